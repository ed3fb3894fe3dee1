using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Fanout.Cli.Rendering;
using Fanout.Inventory;
using Fanout.Selection;
using Spectre.Console;

namespace Fanout.Cli.Commands;

/// <summary><c>fanout targets [selectors] [--output table|json|csv]</c>: what a selection matches, without acting (SPEC T6).</summary>
internal static class TargetsCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("targets", "List the targets a selection matches, with tags and groups, without acting (no selector lists all)");
        var selectors = new SelectorOptions();
        var output = new Option<string>("--output", "-o")
        {
            Description = "Output format",
            DefaultValueFactory = _ => "table",
            HelpName = "table|json|csv",
        };
        output.AcceptOnlyFromAmong("table", "json", "csv");
        selectors.AddTo(command);
        command.Options.Add(output);
        command.SetAction((parsed, ct) => RunAsync(context, selectors, parsed, parsed.GetValue(output) ?? "table", ct));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, SelectorOptions selectors, ParseResult parsed, string format, CancellationToken cancellationToken)
    {
        TextWriter error = context.Console.Error;
        SelectionCriteria criteria = selectors.GetCriteria(parsed);
        if (criteria.IsEmpty)
        {
            // Listing acts on nothing: no selector lists every target.
            criteria = criteria with { All = true };
        }

        IReadOnlyList<string> problems = criteria.Validate();
        if (problems.Count > 0)
        {
            await error.WriteLineAsync("fanout targets: error: " + string.Join("; ", problems)).ConfigureAwait(false);
            return ExitCodes.UsageError;
        }

        IReadOnlyList<string>? sources = selectors.GetSources(parsed, context);
        if (sources is null)
        {
            await error.WriteLineAsync("fanout targets: error: no inventory: pass -i PATH, set FANOUT_INVENTORY, or create ./fanout.yaml").ConfigureAwait(false);
            return ExitCodes.UsageError;
        }

        TargetSet targets;
        try
        {
            targets = await context.GetRunService().SelectTargetsAsync(sources, criteria, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InventoryException or SelectionException)
        {
            await error.WriteLineAsync("fanout targets: error: " + e.Message).ConfigureAwait(false);
            return ExitCodes.UsageError;
        }

        if (await selectors.CheckAsync(parsed, context, "targets", targets).ConfigureAwait(false) is { } strictError)
        {
            await error.WriteLineAsync("fanout targets: error: " + strictError).ConfigureAwait(false);
            return ExitCodes.UsageError;
        }

        TextWriter output = context.Console.Out;
        switch (format)
        {
            case "json":
                await output.WriteAsync(JsonSerializer.Serialize(TargetsDocument.From(targets), CliJsonContext.Default.TargetsDocument)).ConfigureAwait(false);
                await output.WriteAsync('\n').ConfigureAwait(false);
                break;
            case "csv":
                Csv.WriteRow(output, "name", "host", "port", "user", "transport", "groups", "tags");
                foreach (Target t in targets)
                {
                    Csv.WriteRow(output, t.Name, t.Address, Csv.Format(t.Port), t.User, t.Transport, string.Join(';', t.Groups), FormatTags(t));
                }

                break;
            default:
                WriteTable(context.Console.CreateAnsiConsole(output), targets);
                break;
        }

        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static void WriteTable(IAnsiConsole console, TargetSet targets)
    {
        if (targets.Count == 0)
        {
            console.WriteLine("No targets matched the selection.");
            return;
        }

        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("Name").AddColumn("Host").AddColumn(new TableColumn("Port").RightAligned()).AddColumn("User")
            .AddColumn("Transport").AddColumn("Groups").AddColumn("Tags");
        foreach (Target t in targets)
        {
            table.AddRow(
                new Text(t.Name), new Text(t.Address), new Text(t.Port?.ToString(CultureInfo.InvariantCulture) ?? "-"), new Text(t.User ?? "-"),
                new Text(t.Transport), new Text(string.Join(", ", t.Groups)), new Text(FormatTags(t).Replace(";", ", ", StringComparison.Ordinal)));
        }

        console.Write(table);
        console.WriteLine($"{targets.Count} target{(targets.Count == 1 ? string.Empty : "s")}");
    }

    private static string FormatTags(Target t) => string.Join(';', t.Tags.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
}
