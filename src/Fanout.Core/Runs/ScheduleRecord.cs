namespace Fanout.Runs;

/// <summary>A stored schedule (SPEC H5): what to run, when (cron + time zone), and its last fire.</summary>
public sealed record ScheduleRecord
{
    /// <summary>The unique schedule name.</summary>
    public required string Name { get; init; }

    /// <summary><c>exec</c> (a command line) or <c>workflow</c> (a workflow file).</summary>
    public required string Kind { get; init; }

    /// <summary>For exec: the <see cref="RunDefinition"/> JSON (command, inventory, selection, options); for workflow: the absolute workflow file path.</summary>
    public required string Definition { get; init; }

    /// <summary>The cron expression: 5 fields, or 6 with seconds first.</summary>
    public required string Cron { get; init; }

    /// <summary>The IANA time zone the cron expression is read in. The default value is <c>UTC</c>.</summary>
    public string TimeZone { get; init; } = "UTC";

    /// <summary>The serialized selection (inventory sources and criteria), or <see langword="null"/>.</summary>
    public string? Selectors { get; init; }

    /// <summary>The serialized <c>--set</c> parameters, or <see langword="null"/>.</summary>
    public string? Parameters { get; init; }

    /// <summary>The <c>-e</c> environment, or <see langword="null"/>.</summary>
    public string? Environment { get; init; }

    /// <summary>The serialized execution options, or <see langword="null"/>.</summary>
    public string? Options { get; init; }

    /// <summary>Whether a fire may start while the schedule's previous run still runs. The default value is false.</summary>
    public bool AllowOverlap { get; init; }

    /// <summary>When the schedule was added.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The last time the schedule fired, or <see langword="null"/>.</summary>
    public DateTimeOffset? LastFireAt { get; init; }

    /// <summary>The run started by the last fire, or <see langword="null"/>.</summary>
    public string? LastRunId { get; init; }

    /// <summary>When the schedule was paused, or <see langword="null"/> while it is active: a paused schedule does not fire.</summary>
    public DateTimeOffset? PausedAt { get; init; }

    /// <summary>When the schedule was last resumed, or <see langword="null"/>: fires missed while it was paused are not caught up.</summary>
    public DateTimeOffset? ResumedAt { get; init; }

    /// <summary>The outcome of the last fire: a run status, <c>skipped: …</c> or an error.</summary>
    public string? LastResult { get; init; }
}
