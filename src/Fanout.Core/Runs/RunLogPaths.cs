namespace Fanout.Runs;

/// <summary>Where full output logs of a run live: <c>LOGDIR/RUN_ID/TARGET.ATTEMPT.stdout|stderr</c>.</summary>
internal static class RunLogPaths
{
    /// <summary>The directory of one run's logs.</summary>
    public static string RunDirectory(string logDirectory, string runId) => Path.Combine(logDirectory, Sanitize(runId));

    /// <summary>The log file of one stream (<c>stdout</c> or <c>stderr</c>) of one attempt.</summary>
    public static string AttemptLog(string logDirectory, string runId, string target, int attempt, string stream) =>
        Path.Combine(RunDirectory(logDirectory, runId), $"{Output.OutputFileName.Escape(target)}.{attempt}.{stream}");

    /// <summary>Makes a name safe as one path segment (no separators, no <c>..</c>).</summary>
    public static string Sanitize(string name)
    {
        var chars = name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or '@' ? c : '_').ToArray();
        string s = new(chars);
        return s.Trim('.').Length == 0 ? "_" : s;
    }
}
