using System.Globalization;
using System.Text.Json;
using Fanout.Execution;
using Fanout.Runs;
using Fanout.Server.Http;

namespace Fanout.Server.Batches;

/// <summary>
/// The <c>options</c> of a batch request (SPEC X2–X6) as <see cref="ExecutionOptions"/>, parsed as the CLI's run options are, every
/// problem reported at its field (<c>options.NAME</c>), all of them together; and <c>options.workerLabels</c>.
/// </summary>
internal static class BatchOptionsParser
{
    /// <summary>The largest per-target timeout (a .NET timer cannot wait longer than about 49.7 days).</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(30);

    /// <summary>The options, or null when any is bad (each problem is in <paramref name="errors"/>); no options → the defaults.</summary>
    public static ExecutionOptions? Parse(BatchOptionsRequest? o, Problems.ErrorSet errors)
    {
        var options = new ExecutionOptions();
        if (o is null)
        {
            return options;
        }

        bool ok = true;
        if (o.Parallel is { } parallel)
        {
            ok &= Check(parallel >= 1, "options.parallel", $"options.parallel must be at least 1 (got {parallel})");
            options = options with { MaxConcurrency = parallel };
        }

        if (o.BatchSize is { } batch)
        {
            string text = batch.ValueKind switch
            {
                JsonValueKind.Number => batch.GetRawText(),
                JsonValueKind.String => batch.GetString()!,
                JsonValueKind.Array when batch.GetArrayLength() > 0 && batch.EnumerateArray().All(e => e.ValueKind is JsonValueKind.Number or JsonValueKind.String) =>
                    string.Join(',', batch.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString() : e.GetRawText())),
                _ => batch.GetRawText(),
            };
            try
            {
                options = options with { BatchSizes = [.. text.Split(',', StringSplitOptions.TrimEntries).Select(WaveSize.Parse)] };
            }
            catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
            {
                ok = Check(false, "options.batchSize", $"options.batchSize '{text}' is not a size: use N, N% or a list such as \"1,5,25%\"");
            }
        }

        if (o.Timeout is { } timeout)
        {
            bool parsed = JsonDuration.TryParsePositive(timeout, out TimeSpan value);
            ok &= Check(parsed, "options.timeout", $"options.timeout '{timeout.GetRawText()}' is not a positive duration: use seconds (30) or a duration (\"30s\", \"5m\")");
            if (parsed && value > MaxTimeout)
            {
                ok = Check(false, "options.timeout", $"options.timeout '{timeout.GetRawText()}' is longer than the largest timeout, {MaxTimeout.TotalDays:0}d");
                parsed = false;
            }

            options = options with { Timeout = parsed ? value : options.Timeout };
        }

        if (o.Retries is { } retries)
        {
            ok &= Check(retries is >= 0 and <= 100, "options.retries", $"options.retries must be between 0 and 100 (got {retries})");
            options = options with { Retries = retries };
        }

        switch (o.FailurePolicy)
        {
            case null or "continue": break;
            case "fail-fast": options = options with { FailFast = true }; break;
            case "atomic": options = options with { Atomic = true }; break;
            default:
                ok = Check(false, "options.failurePolicy", $"unknown failure policy '{o.FailurePolicy}': expected continue, fail-fast or atomic");
                break;
        }

        if (o.MaxFailPercent is { } percent)
        {
            ok &= Check(percent is >= 0 and <= 100, "options.maxFailPercent", $"options.maxFailPercent must be between 0 and 100 (got {percent.ToString(CultureInfo.InvariantCulture)})");
            options = options with { MaxFailPercent = percent };
        }

        if (o.BatchWait is { } wait)
        {
            ok &= Delay(wait, "options.batchWait", "a pause between waves", out TimeSpan value, allowZero: true);
            options = options with { BatchWait = value };
        }

        if (o.OverallTimeout is { } overall)
        {
            if (Delay(overall, "options.overallTimeout", "a time limit for the whole run", out TimeSpan value, allowZero: false))
            {
                options = options with { OverallTimeout = value };
            }
            else
            {
                ok = false;
            }
        }

        if (o.RetryDelay is { } retryDelay)
        {
            ok &= Delay(retryDelay, "options.retryDelay", "a delay before a retry", out TimeSpan value, allowZero: true);
            options = options with { RetryDelay = value };
        }

        switch (o.Backoff)
        {
            case null: break;
            case "fixed": options = options with { Backoff = Backoff.Fixed }; break;
            case "linear": options = options with { Backoff = Backoff.Linear }; break;
            case "exponential": options = options with { Backoff = Backoff.Exponential }; break;
            default:
                ok = Check(false, "options.backoff", $"unknown backoff '{o.Backoff}': expected fixed, linear or exponential");
                break;
        }

        if (o.Jitter is { } jitter)
        {
            options = options with { Jitter = jitter };
        }

        if (o.RetryOnExitCodes is { } codes)
        {
            int[] bad = [.. codes.Where(c => c is < 0 or > 255)];
            ok &= Check(bad.Length == 0, "options.retryOnExitCodes", $"options.retryOnExitCodes: {string.Join(", ", bad.Select(c => c.ToString(CultureInfo.InvariantCulture)))} {(bad.Length == 1 ? "is not an exit code" : "are not exit codes")} (0–255)");
            options = options with { RetryOnExitCodes = codes.ToHashSet() };
        }

        if (ok)
        {
            foreach (string problem in options.Validate())
            {
                ok = Check(false, "options", problem);
            }
        }

        return ok ? options : null;

        // A duration field: seconds or a duration, not negative (not zero unless allowed), at most MaxTimeout.
        bool Delay(JsonElement element, string field, string what, out TimeSpan value, bool allowZero)
        {
            bool parsed = allowZero ? JsonDuration.TryParse(element, out value) : JsonDuration.TryParsePositive(element, out value);
            if (!parsed)
            {
                return Check(false, field, $"{field} '{Shown(element)}' is not {(allowZero ? "a duration" : "a positive duration")} ({what}): use seconds (30) or a duration (\"30s\", \"5m\")");
            }

            return Check(value <= MaxTimeout, field, $"{field} '{Shown(element)}' is longer than {MaxTimeout.TotalDays:0}d");
        }

        static string Shown(JsonElement element) => element.ValueKind == JsonValueKind.String ? element.GetString()! : element.GetRawText();

        bool Check(bool condition, string field, string message)
        {
            if (!condition)
            {
                errors.Add(field, message);
            }

            return condition;
        }
    }

    /// <summary><c>options.workerLabels</c>: null when absent or bad; an empty map is refused (it would mean "any worker" by accident).</summary>
    public static IReadOnlyDictionary<string, string>? ParseWorkerLabels(Dictionary<string, string>? labels, Problems.ErrorSet errors)
    {
        if (labels is null)
        {
            return null;
        }

        if (labels.Count == 0)
        {
            errors.Add("options.workerLabels", "options.workerLabels is empty: give labels such as {\"zone\": \"dmz\"}, or leave it out to run on any worker");
            return null;
        }

        bool ok = true;
        foreach ((string key, string value) in labels)
        {
            if (WorkerLabels.Problem(key, value ?? string.Empty) is { } problem)
            {
                errors.Add("options.workerLabels", problem);
                ok = false;
            }
        }

        return ok ? new SortedDictionary<string, string>(labels, StringComparer.Ordinal) : null;
    }
}
