using System.Globalization;
using System.Text.Json;
using Fanout.Expressions;
using Fanout.Workflows.Engine;

namespace Fanout.Cli.Commands;

/// <summary>Prints a workflow run's result: a summary (text) or a JSON document.</summary>
internal static class WorkflowResultWriter
{
    public static async Task WriteAsync(CliContext context, WorkflowRunResult result, string output)
    {
        if (output == "json")
        {
            var document = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["runId"] = result.RunId,
                ["workflow"] = result.Workflow,
                ["status"] = Runs.RunStatusExtensions.ToWireName(result.Status),
                ["error"] = result.Error,
                ["durationMs"] = (long)result.Duration.TotalMilliseconds,
                ["rolledBack"] = result.RolledBack,
                ["steps"] = result.Steps.Select(s => (object?)new Dictionary<string, object?>(StringComparer.Ordinal)
                {
                    ["path"] = s.Path,
                    ["state"] = s.State.ToWireName(),
                    ["attempts"] = (long)s.Attempts,
                    ["exitCode"] = s.ExitCode is { } c ? (long)c : null,
                    ["output"] = s.Output,
                    ["skipReason"] = s.SkipReason,
                    ["error"] = s.Error,
                    ["durationMs"] = (long)s.Duration.TotalMilliseconds,
                    ["restored"] = s.Restored,
                }).ToList(),
                ["outputs"] = result.Outputs.ToDictionary(k => k.Key, k => k.Value),
                ["degradations"] = result.Degradations.Cast<object?>().ToList(),
                ["alerts"] = result.Alerts.Cast<object?>().ToList(),
                ["recoveries"] = result.Recoveries.Cast<object?>().ToList(),
                ["health"] = result.Health,
                ["figures"] = result.Figures.ToDictionary(k => k.Key, k => k.Value),
            };
            using JsonDocument doc = JsonDocument.Parse(TemplateValues.ToJson(document));
            await context.Console.Out.WriteLineAsync(JsonSerializer.Serialize(doc.RootElement, new JsonSerializerOptions { WriteIndented = true })).ConfigureAwait(false);
            return;
        }

        TextWriter o = context.Console.Out;
        foreach (StepResult s in result.Steps.Where(s => s.State == StepState.Succeeded && !s.Restored))
        {
            if (s.Targets > 0)
            {
                // A fan-out step: its tally, not a map of every target's output (fanout show / logs have those).
                await o.WriteLineAsync($"{s.Path}: {s.Targets - s.FailedTargets.Count}/{s.Targets} targets succeeded{Rendering.StepTree.FailedList(s.FailedTargets)}").ConfigureAwait(false);
                continue;
            }

            foreach (string line in (s.Output ?? string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                await o.WriteLineAsync($"{s.Path}: {line.TrimEnd('\r')}").ConfigureAwait(false);
            }
        }

        if (result.Outputs.Count > 0)
        {
            await o.WriteLineAsync("outputs:").ConfigureAwait(false);
            foreach ((string key, object? value) in result.Outputs.OrderBy(k => k.Key, StringComparer.Ordinal))
            {
                await o.WriteLineAsync($"  {key} = {Short(value)}").ConfigureAwait(false);
            }
        }

        // The counts of the run's leaf steps: the same StepCounts as the figures, the live tree and history.
        await o.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"workflow {result.Workflow} {Runs.RunStatusExtensions.ToWireName(result.Status)} in {Duration.Format(result.Duration)}: {result.Counts} (run {result.RunId})")).ConfigureAwait(false);
        if (result.Error is { } error)
        {
            await context.Console.Error.WriteLineAsync("error: " + error).ConfigureAwait(false);
        }

        foreach (StepResult s in result.Steps.Where(s => s.State is StepState.Skipped && s.SkipReason is not null && !s.Restored))
        {
            await context.Console.Error.WriteLineAsync($"skipped {s.Path}: {s.SkipReason}").ConfigureAwait(false);
        }

        if (result.RolledBack)
        {
            await context.Console.Error.WriteLineAsync("rolled back").ConfigureAwait(false);
        }

        foreach (string r in result.Recoveries)
        {
            await context.Console.Error.WriteLineAsync("recovery " + r).ConfigureAwait(false);
        }

        if (result.Health is { } health)
        {
            await context.Console.Error.WriteLineAsync(health).ConfigureAwait(false);
        }

        foreach (string d in result.Degradations)
        {
            await context.Console.Error.WriteLineAsync("degraded: " + d).ConfigureAwait(false);
        }

        foreach (string alert in result.Alerts)
        {
            await context.Console.Error.WriteLineAsync("alert " + alert).ConfigureAwait(false);
        }
    }

    /// <summary>A captured value in one short line: text up to its first line break, maps and lists summarised, at most 60 characters.</summary>
    internal static string Short(object? value)
    {
        string text = value switch
        {
            null => "null",
            string v => v.Trim(),
            IReadOnlyDictionary<string, object?> map => $"{map.Count} value(s): " + string.Join(", ", map.Select(k => $"{k.Key}={Short(k.Value)}")),
            IReadOnlyList<object?> list => "[" + string.Join(", ", list.Select(Short)) + "]",
            _ => TemplateValues.ToJson(value),
        };
        int end = text.IndexOfAny(['\r', '\n']);
        bool cut = end >= 0;
        text = cut ? text[..end] : text;
        return text.Length > 60 ? text[..59] + "…" : cut ? text + " …" : text;
    }
}
