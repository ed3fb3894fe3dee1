using Cronos;

namespace Fanout.Runs;

/// <summary>
/// Cron handling for schedules (SPEC H5): standard 5-field expressions, or 6 fields with seconds first,
/// read in an IANA time zone (daylight-saving transitions handled by Cronos).
/// </summary>
public static class CronSchedule
{
    /// <summary>Checks a cron expression and time zone.</summary>
    /// <returns>Every problem found, or an empty list.</returns>
    public static IReadOnlyList<string> Validate(string cron, string timeZone)
    {
        var errors = new List<string>();
        if (TryParse(cron, out _, out string? error) is false)
        {
            errors.Add(error!);
        }

        if (FindTimeZone(timeZone) is null)
        {
            errors.Add($"unknown time zone '{timeZone}' (use an IANA name such as 'UTC' or 'Europe/Berlin')");
        }

        return errors;
    }

    /// <summary>The next fire time strictly after <paramref name="after"/>, or <see langword="null"/> when there is none (or the schedule is invalid).</summary>
    public static DateTimeOffset? NextOccurrence(string cron, string timeZone, DateTimeOffset after)
    {
        if (!TryParse(cron, out CronExpression? expression, out _) || FindTimeZone(timeZone) is not { } zone)
        {
            return null;
        }

        DateTime? next = expression!.GetNextOccurrence(after.UtcDateTime, zone, inclusive: false);
        return next is { } n ? new DateTimeOffset(DateTime.SpecifyKind(n, DateTimeKind.Utc)) : null;
    }

    /// <summary>Classifies an expression for default schedule names: <c>hourly</c>, <c>daily</c>, <c>weekly</c>, <c>monthly</c> or <c>custom</c>.</summary>
    public static string Frequency(string cron)
    {
        string[] f = cron.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length == 6)
        {
            if (!IsFixed(f[0]))
            {
                return "custom";
            }

            f = f[1..];
        }

        if (f.Length != 5 || !IsFixed(f[0]) || f[3] != "*")
        {
            return "custom";
        }

        return (f[1], f[2], f[4]) switch
        {
            ("*", "*", "*") => "hourly",
            (var h, "*", "*") when IsFixed(h) => "daily",
            (var h, "*", var d) when IsFixed(h) && IsFixed(d) => "weekly",
            (var h, var m, "*") when IsFixed(h) && IsFixed(m) => "monthly",
            _ => "custom",
        };
    }

    /// <summary>
    /// The default schedule name <c>&lt;workflow&gt;-&lt;env&gt;-&lt;frequency&gt;</c>: the workflow's name without a trailing
    /// <c>-workflow</c> / <c>_workflow</c> (the file <c>deployment-workflow.yaml</c> schedules as <c>deployment-…</c>, as in
    /// the users' document: <c>deployment-production-weekly</c>); <c>default</c> stands for a missing environment.
    /// </summary>
    public static string DefaultName(string workflow, string? environment, string cron)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        foreach (string suffix in new[] { "-workflow", "_workflow" })
        {
            if (workflow.Length > suffix.Length && workflow.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                workflow = workflow[..^suffix.Length];
                break;
            }
        }

        return $"{workflow}-{(string.IsNullOrEmpty(environment) ? "default" : environment)}-{Frequency(cron)}";
    }

    /// <summary>Finds a time zone by IANA (or Windows) id, or <see langword="null"/>.</summary>
    public static TimeZoneInfo? FindTimeZone(string id)
    {
        if (string.Equals(id, "UTC", StringComparison.OrdinalIgnoreCase))
        {
            return TimeZoneInfo.Utc;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (TimeZoneNotFoundException)
        {
            return null;
        }
        catch (InvalidTimeZoneException)
        {
            return null;
        }
    }

    internal static bool TryParse(string cron, out CronExpression? expression, out string? error)
    {
        expression = null;
        string text = cron.Trim();
        int fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        if (fields is not (5 or 6))
        {
            error = $"invalid cron expression '{cron}': expected 5 fields (minute hour day month weekday) or 6 with seconds first, got {fields}";
            return false;
        }

        try
        {
            expression = CronExpression.Parse(text, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
            error = null;
            return true;
        }
        catch (CronFormatException e)
        {
            error = $"invalid cron expression '{cron}': {e.Message}";
            return false;
        }
    }

    private static bool IsFixed(string field) => field.All(char.IsAsciiDigit) && field.Length > 0;
}
