using System.CommandLine;
using Fanout.Cli.Rendering;
using Fanout.Documents;
using Fanout.Runs;
using Spectre.Console;

namespace Fanout.Cli.Commands;

/// <summary><c>fanout history [--limit N] [--status S] [--workflow W] [--kind K] [--output table|json]</c> (SPEC H2), newest first.</summary>
internal static class HistoryCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("history", "List recorded runs, newest first");
        var limit = new Option<int>("--limit", "-n") { Description = "At most this many runs", DefaultValueFactory = _ => 20, HelpName = "N" };
        var status = new Option<string?>("--status") { Description = "Only runs in this status: running, succeeded, failed, cancelled, interrupted, awaiting-approval, queued", HelpName = "STATUS" };
        var workflow = new Option<string?>("--workflow") { Description = "Only runs of this workflow (or operation) name; * and ? glob", HelpName = "NAME" };
        var kind = new Option<string?>("--kind") { Description = $"Only runs of this kind: {string.Join(", ", RunKinds.All)}", HelpName = "KIND" };
        Option<string> output = StoreAction.OutputOption("table", "json");
        command.Options.Add(limit);
        command.Options.Add(status);
        command.Options.Add(workflow);
        command.Options.Add(kind);
        command.Options.Add(output);
        command.SetAction((parsed, ct) =>
        {
            RunStatus? wanted = null;
            if (parsed.GetValue(status) is { } s)
            {
                wanted = RunStatusExtensions.TryParseWireName(s);
                if (wanted is null)
                {
                    return StoreAction.ErrorAsync(context, "history", $"--status '{s}' is not a run status (running, succeeded, failed, cancelled, interrupted, awaiting-approval, queued)");
                }
            }

            if (parsed.GetValue(kind) is { } k && !RunKinds.IsKnown(k))
            {
                return StoreAction.ErrorAsync(context, "history", $"--kind '{k}' is not a run kind ({string.Join(", ", RunKinds.All)})");
            }

            if (parsed.GetValue(limit) < 1)
            {
                return StoreAction.ErrorAsync(context, "history", "--limit must be at least 1");
            }

            string format = parsed.GetValue(output) ?? "table";
            if (format is not ("table" or "json"))
            {
                return StoreAction.ErrorAsync(context, "history", $"--output '{format}' is not one of table, json");
            }

            return StoreAction.RunAsync(parsed, context, "history", async store =>
            {
                IReadOnlyList<RunRecord> runs = await store.QueryRunsAsync(new RunQuery
                {
                    Limit = parsed.GetValue(limit),
                    Status = wanted,
                    Name = parsed.GetValue(workflow),
                    Kind = parsed.GetValue(kind),
                }, ct).ConfigureAwait(false);
                if (format == "json")
                {
                    await context.Console.Out.WriteAsync(DocumentWriter.ToJson(HistoryDocument.From(runs))).ConfigureAwait(false);
                    return ExitCodes.Success;
                }

                if (runs.Count == 0)
                {
                    string filters = string.Join(", ", new[]
                    {
                        parsed.GetValue(status) is { } st ? $"--status {st}" : null,
                        parsed.GetValue(kind) is { } ki ? $"--kind {ki}" : null,
                        parsed.GetValue(workflow) is { } wf ? $"--workflow '{wf}'" : null,
                    }.OfType<string>());
                    await context.Console.Out.WriteLineAsync(filters.Length == 0 ? "No runs recorded." : $"No runs match {filters}.").ConfigureAwait(false);
                    return ExitCodes.Success;
                }

                var table = new Table().Border(TableBorder.Rounded);
                foreach (string column in new[] { "Run", "Kind", "Name", "Status", "Started", "Duration", "Targets", "OK", "Failed", "Cancelled", "Not run" })
                {
                    table.AddColumn(column);
                }

                // The same figures as the JSON document: Failed is failed + timed-out, cancelled and not-run targets have their own columns.
                foreach (RunRecord r in runs)
                {
                    HistoryRun h = HistoryRun.From(r);
                    string duration = r.EndedAt is { } end ? Duration.Format(end - r.StartedAt) : "-";
                    table.AddRow(Markup.Escape(h.RunId), Markup.Escape(h.Kind), Markup.Escape(h.Name), Markup.Escape(h.Status), StoreAction.Time(h.StartedAt),
                        duration, Count(h.Total), Count(h.Succeeded), Count(h.Failed), Count(h.Cancelled), Count(h.NotRun));
                }

                context.Console.CreateAnsiConsole(context.Console.Out).Write(table);
                return ExitCodes.Success;
            }, ct);
        });
        return command;
    }

    private static string Count(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
