using System.CommandLine;
using Fanout.Workflows;
using Fanout.Workflows.Model;
using Fanout.Workflows.Validation;

namespace Fanout.Cli.Commands;

/// <summary><c>fanout workflows [--dir DIR]</c> (SPEC W17): lists workflow files in the workflows directory with name, version, step count and validity.</summary>
internal static class WorkflowsCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("workflows", "List the workflow files in the workflows directory (name, description, version, steps, validity)");
        var dir = new Option<string?>("--dir") { Description = "Directory to list (default: workflows_dir from the Fanout config, else ./workflows)", HelpName = "DIR" };
        command.Options.Add(dir);
        command.SetAction((parsed, ct) => RunAsync(context, parsed.GetValue(dir), ct));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string? dirOption, CancellationToken cancellationToken)
    {
        if (await CliConfig.LoadAsync(context, "workflows").ConfigureAwait(false) is not { } config)
        {
            return ExitCodes.UsageError;
        }

        string dir = dirOption is null ? config.WorkflowsDirectory : CliConfig.Resolve(context, dirOption);
        TextWriter output = context.Console.Out;
        if (!Directory.Exists(dir))
        {
            await context.Console.Error.WriteLineAsync($"No workflows directory at {dir} (set workflows_dir in the Fanout config, or use --dir).").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        var files = Directory.EnumerateFiles(dir)
            .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();
        WorkflowValidationOptions options = CliConfig.ValidationOptions(config);
        var rows = new List<string[]>();
        foreach (string file in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            WorkflowParseResult result = WorkflowValidator.ValidateFile(file, options);
            int errors = result.Diagnostics.Count(d => d.IsError);
            int warnings = result.Diagnostics.Count - errors;
            string validity = errors > 0 ? $"invalid ({errors} error{(errors == 1 ? string.Empty : "s")})"
                : warnings > 0 ? $"valid ({warnings} warning{(warnings == 1 ? string.Empty : "s")})" : "valid";
            WorkflowDefinition? wf = result.Workflow;
            rows.Add([Path.GetFileName(file), wf?.Name ?? "-", wf?.Version ?? "-", wf is null ? "-" : Workflows.Engine.StepCounts.CountSteps(wf.Steps).ToString(System.Globalization.CultureInfo.InvariantCulture), validity, wf?.Description ?? string.Empty]);
        }

        if (rows.Count == 0)
        {
            await context.Console.Error.WriteLineAsync($"No workflow files (*.yaml, *.yml) in {dir}.").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        string[] header = ["FILE", "NAME", "VERSION", "STEPS", "VALIDITY", "DESCRIPTION"];
        int[] widths = [.. Enumerable.Range(0, header.Length - 1).Select(i => rows.Select(r => r[i].Length).Append(header[i].Length).Max())];
        foreach (string[] row in rows.Prepend(header))
        {
            string line = string.Join("  ", row.Take(header.Length - 1).Select((cell, i) => cell.PadRight(widths[i]))) + "  " + row[^1];
            await output.WriteLineAsync(line.TrimEnd()).ConfigureAwait(false);
        }

        return ExitCodes.Success;
    }
}
