using System.Globalization;

namespace Fanout.Server.Ui;

/// <summary>How the web UI writes states, durations and times (the script does the same for live updates: keep them in step).</summary>
internal static class UiFormat
{
    /// <summary>An icon for a run or target state; always shown next to the state's text (never colour or icon alone).</summary>
    public static string Icon(string state) => state switch
    {
        "succeeded" or "complete" => "✅",
        "failed" or "timed-out" or "unreachable" => "❌",
        "running" => "🔄",
        "queued" or "pending" => "⏳",
        "cancelled" or "interrupted" => "⛔",
        "not-run" or "skipped" => "⏭",
        "awaiting-approval" => "✋",
        _ => "•",
    };

    public static string Duration(double ms)
    {
        var t = TimeSpan.FromMilliseconds(Math.Max(0, ms));
        return t.TotalSeconds < 60 ? (t.TotalSeconds < 10 ? t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) : Math.Floor(t.TotalSeconds).ToString(CultureInfo.InvariantCulture)) + " s"
            : t.TotalHours < 1 ? $"{(int)t.TotalMinutes} min {t.Seconds} s"
            : $"{(int)t.TotalHours} h {t.Minutes} min";
    }

    /// <summary>The file name of an inventory source (its full path is the cell's title), or the source spec itself (<c>tmux:dev</c>).</summary>
    public static string FileName(string? source) => source is null ? "" : Path.GetFileName(source) is { Length: > 0 } name ? name : source;

    /// <summary>The time of day (UTC) of a batch's start on the run page; the script's <c>clock</c>.</summary>
    public static string Clock(DateTimeOffset at) => at.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";
}
