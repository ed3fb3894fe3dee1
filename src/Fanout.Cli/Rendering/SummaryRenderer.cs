using System.Globalization;
using Fanout.Execution;
using Spectre.Console;

namespace Fanout.Cli.Rendering;

/// <summary>The end-of-run summary (SPEC X9): a table of targets and the totals with the success rate.</summary>
internal static class SummaryRenderer
{
    /// <summary>Above this many targets only the ones that did not succeed are listed.</summary>
    public const int FullTableLimit = 100;

    /// <summary>At most this many rows are listed.</summary>
    public const int MaxRows = 200;

    /// <summary>Above this many targets outputs are not echoed (use --output-dir or --output json).</summary>
    public const int OutputEchoLimit = 100;

    /// <summary>Lines echoed per stream and target.</summary>
    public const int OutputEchoLines = 20;

    /// <summary>
    /// Echoes what one target printed, each line prefixed with the target name padded to <paramref name="width"/>:
    /// <c>web-01 | text</c> for stdout and <c>web-01 ! text</c> for stderr, like <c>parallel --tag</c>; at most
    /// <see cref="OutputEchoLines"/> lines per stream. Written whole when the target finishes (runs of at most
    /// <see cref="OutputEchoLimit"/> targets; larger runs get <see cref="RenderGroups"/> at the end).
    /// </summary>
    public static string EchoText(TargetOutcome outcome, int width)
    {
        var text = new System.Text.StringBuilder();
        Echo(text, outcome.Target.PadRight(width) + " | ", outcome.Stdout);
        Echo(text, outcome.Target.PadRight(width) + " ! ", outcome.Stderr);
        return text.ToString();
    }

    /// <summary>At most this many groups of identical results are listed for large runs.</summary>
    public const int MaxGroups = 20;

    /// <summary>
    /// For runs above <see cref="OutputEchoLimit"/>: targets with identical results (state, output
    /// and error) are grouped, largest group first, like <c>dshbak -c</c> / <c>clush -b</c>:
    /// <c>4,949 targets succeeded: ok</c>, <c>51 targets failed: exit code 1: connection refused (db-01, db-02, …)</c>.
    /// </summary>
    public static void RenderGroups(TextWriter writer, BatchResult result)
    {
        var groups = result.Outcomes
            .GroupBy(o => (o.State, Output: Summary(o.Stdout.Text), o.Error))
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key.State).ToList();
        foreach (var group in groups.Take(MaxGroups))
        {
            int n = group.Count();
            string what = string.Join(": ", new[] { group.Key.Output, group.Key.Error }.Where(t => !string.IsNullOrEmpty(t)));
            string names = string.Join(", ", group.Take(3).Select(o => o.Target)) + (n > 3 ? ", …" : string.Empty);
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{n:N0} target{(n == 1 ? "" : "s")} {group.Key.State.ToWireName()}{(what.Length == 0 ? string.Empty : ": " + what)} ({names})"));
        }

        if (groups.Count > MaxGroups)
        {
            writer.WriteLine($"… {groups.Count - MaxGroups} more groups of results; use --output json for all");
        }
    }

    /// <summary>A short output as one line: its last non-empty line, cut at 60 characters (empty for no output).</summary>
    public static string Summary(string output)
    {
        string? line = output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0);
        return line is null ? string.Empty : line.Length > 60 ? line[..59] + "…" : line;
    }

    private static void Echo(System.Text.StringBuilder text, string prefix, Output.CapturedOutput output)
    {
        if (output.TotalBytes == 0)
        {
            return;
        }

        string[] lines = output.Text.TrimEnd('\n').Split('\n');
        foreach (string line in lines.Take(OutputEchoLines))
        {
            text.Append(prefix).Append(line.TrimEnd('\r')).Append('\n');
        }

        if (lines.Length > OutputEchoLines || output.Truncated)
        {
            text.Append(prefix).Append("… (more output: use --output-dir or --output json)\n");
        }
    }

    public static void Render(IAnsiConsole console, TextWriter writer, BatchResult result)
    {
        bool all = result.Total <= FullTableLimit;
        List<TargetOutcome> rows = (all ? result.Outcomes : result.Outcomes.Where(o => o.State != TargetState.Succeeded)).Take(MaxRows).ToList();
        if (rows.Count > 0)
        {
            bool data = rows.Any(o => FormatData(o.Data).Length > 0);
            bool output = !all && rows.Any(o => o.Stdout.TotalBytes > 0);
            var table = new Table().Border(TableBorder.Rounded)
                .AddColumn("Target")
                .AddColumn("State")
                .AddColumn(new TableColumn("Exit").RightAligned())
                .AddColumn(new TableColumn("Duration").RightAligned());
            if (data)
            {
                table.AddColumn("Result");
            }

            bool rollbacks = result.Rollbacks.Count > 0;
            if (rollbacks)
            {
                table.AddColumn("Rolled back");
            }

            if (output)
            {
                table.AddColumn("Output");
            }

            table.AddColumn("Error");
            foreach (TargetOutcome o in rows)
            {
                var cells = new List<Spectre.Console.Rendering.IRenderable>
                {
                    new Text(o.Target),
                    new Markup($"[{StateStyle(o.State)}]{o.State.ToWireName()}[/]"),
                    new Text(o.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "-"),
                    new Text(o.Attempts == 0 ? "-" : Duration.Format(o.Duration)),
                };
                if (data)
                {
                    cells.Add(new Text(FormatData(o.Data)));
                }

                if (rollbacks)
                {
                    cells.Add(Fanout.Documents.ResultDocuments.RolledBack(result, o.Target) switch
                    {
                        true => new Markup("[yellow]rolled back[/]"),
                        false => new Markup("[red]rollback failed[/]"),
                        _ => new Text("-"),
                    });
                }

                if (output)
                {
                    cells.Add(new Text(Summary(o.Stdout.Text)));
                }

                cells.Add(new Text(FirstLine(o.Error)));
                table.AddRow(cells);
            }

            console.Write(table);
        }

        // Totals are plain lines (never wrapped like Spectre text), so scripts can grep them.
        int hidden = result.Total - rows.Count;
        if (hidden > 0)
        {
            writer.WriteLine(all
                ? $"… {hidden} more targets not shown (use --output json for all)"
                : $"… {hidden} targets not shown{(rows.Count == 0 ? string.Empty : " (succeeded or beyond the first " + MaxRows + ")")}; use --output json for all");
        }

        writer.WriteLine(Totals(result));
        if (result.StopReason is { } reason)
        {
            writer.WriteLine($"Stopped early: {reason}");
        }

        int rolledBack = result.Rollbacks.Count(r => r.Succeeded);
        if (rolledBack > 0)
        {
            writer.WriteLine($"Rolled back: {rolledBack} target{(rolledBack == 1 ? "" : "s")} (atomic batch failed)");
        }

        foreach (RollbackOutcome r in result.Rollbacks.Where(r => !r.Succeeded))
        {
            writer.WriteLine($"Rollback failed on {r.Target}: {r.Error}");
        }
    }

    /// <summary><c>Total 8: 7 succeeded, 1 failed — success rate 87.5% (run 20261125-…, 1.23s)</c>.</summary>
    public static string Totals(BatchResult result)
    {
        var parts = new List<string> { $"{result.Count(TargetState.Succeeded)} succeeded" };
        foreach (TargetState state in new[] { TargetState.Failed, TargetState.TimedOut, TargetState.Unreachable, TargetState.Cancelled, TargetState.NotRun, TargetState.Skipped })
        {
            int n = result.Count(state);
            if (n > 0)
            {
                parts.Add($"{n} {state.ToWireName()}");
            }
        }

        string rate = Percent(result.SuccessRate, result.Count(TargetState.Succeeded) < result.Total);
        return $"Total {result.Total}: {string.Join(", ", parts)} — success rate {rate}% (run {result.RunId}, {Duration.Format(result.EndedAt - result.StartedAt)})";
    }

    /// <summary>
    /// A rate as a percentage with one decimal, rounded down, and with more decimals when a run with
    /// failures would otherwise show 100.0%: failures are never rounded away (99.0%, 99.98%).
    /// </summary>
    public static string Percent(double rate, bool anyUnsuccessful)
    {
        double percent = rate * 100;
        if (!anyUnsuccessful && percent >= 100)
        {
            return "100";
        }

        for (int digits = 1; ; digits++)
        {
            double scale = Math.Pow(10, digits);
            double shown = Math.Floor((percent * scale) + 1e-9) / scale;
            if (!anyUnsuccessful || shown < 100 || digits >= 6)
            {
                return shown.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            }
        }
    }

    public static string StateStyle(TargetState state) => state switch
    {
        TargetState.Succeeded => "green",
        TargetState.Failed => "red",
        TargetState.TimedOut => "darkorange",
        TargetState.Unreachable => "magenta",
        TargetState.Cancelled => "yellow",
        TargetState.NotRun => "grey",
        _ => "blue",
    };

    /// <summary>Operation figures in a cell: sync's as <c>3 copied, 1 skipped, 0 deleted, 12 B</c> (prefixed <c>dry run:</c>); others as <c>key=value</c>.</summary>
    public static string FormatData(IReadOnlyDictionary<string, object?>? data)
    {
        if (data is null || data.Count == 0)
        {
            return string.Empty;
        }

        var parts = new List<string>();
        var rest = new Dictionary<string, object?>(data, StringComparer.Ordinal);
        rest.Remove("command"); // lifecycle: the rendered provider command is in the JSON document, too long for a cell
        foreach ((string key, string label) in new[] { ("filesCopied", "copied"), ("filesSkipped", "skipped"), ("filesDeleted", "deleted") })
        {
            if (rest.Remove(key, out object? value))
            {
                parts.Add($"{Convert.ToString(value, CultureInfo.InvariantCulture)} {label}");
            }
        }

        if (rest.Remove("bytesCopied", out object? bytes) && bytes is not null)
        {
            parts.Add(FormatBytes(Convert.ToInt64(bytes, CultureInfo.InvariantCulture)));
        }

        bool dryRun = rest.Remove("dryRun", out object? dry) && dry is true;
        parts.AddRange(rest.Select(kv => $"{kv.Key}={Convert.ToString(kv.Value, CultureInfo.InvariantCulture)}"));
        return (dryRun ? "dry run: " : string.Empty) + string.Join(", ", parts);
    }

    private static string FormatBytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.#", CultureInfo.InvariantCulture) + " KiB",
        < 1024L * 1024 * 1024 => (bytes / 1024.0 / 1024).ToString("0.#", CultureInfo.InvariantCulture) + " MiB",
        _ => (bytes / 1024.0 / 1024 / 1024).ToString("0.##", CultureInfo.InvariantCulture) + " GiB",
    };

    private static string FirstLine(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        int end = text.IndexOf('\n', StringComparison.Ordinal);
        string line = end < 0 ? text : text[..end];
        return line.Length > 80 ? line[..79] + "…" : line;
    }
}
