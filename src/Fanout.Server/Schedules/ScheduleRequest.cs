using System.Text.Json.Serialization;
using Fanout.Server.Batches;

namespace Fanout.Server.Schedules;

/// <summary>
/// Body of <c>POST /api/schedules</c>: a batch request (targets resolved now) plus when to run it; every kind <c>fanout schedule add</c>
/// makes: a command, a script, a sync, a lifecycle task, or a workflow of the workflows directory with its parameter values.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record ScheduleRequest
{
    public string? Name { get; init; }

    /// <summary>5 fields, or 6 with seconds first.</summary>
    public string? Cron { get; init; }

    /// <summary>IANA time zone (default UTC).</summary>
    public string? TimeZone { get; init; }

    public bool? AllowOverlap { get; init; }

    public IReadOnlyList<string>? TargetNodeIds { get; init; }

    public IReadOnlyList<string>? TargetGroupIds { get; init; }

    public SelectorRequest? Selector { get; init; }

    public ActionRequest? Action { get; init; }

    public BatchOptionsRequest? Options { get; init; }

    /// <summary>A workflow schedule's environment (<c>fanout schedule add FILE -e ENV</c>); only with <c>action.type</c> <c>workflow</c>.</summary>
    public string? Environment { get; init; }
}
