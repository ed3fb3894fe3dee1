using Fanout.Diagnostics;
using Fanout.Workflows.Notifications;

namespace Fanout.Workflows.Monitoring;

/// <summary>
/// A monitoring alert whose condition held on the run's figures — or whose condition could not be evaluated
/// (<see cref="Error"/> set), which is reported the same way rather than thrown.
/// </summary>
public sealed record RaisedAlert
{
    /// <summary>The condition as written in the workflow.</summary>
    public required string Condition { get; init; }

    /// <summary>The alert's severity: <c>info</c>, <c>warning</c> or <c>critical</c>.</summary>
    public required string Severity { get; init; }

    /// <summary>The rendered alert message (the alert's <c>message</c>, or a default naming the condition and values).</summary>
    public required string Message { get; init; }

    /// <summary>The figures the condition reads, with their values at evaluation time (undefined ones are absent).</summary>
    public IReadOnlyDictionary<string, object?> Values { get; init; } = new Dictionary<string, object?>();

    /// <summary>Why the condition (or message) could not be evaluated, with its file position; null when it evaluated.</summary>
    public Diagnostic? Error { get; init; }

    /// <summary>Where the alert is declared.</summary>
    public SourcePosition Position { get; init; }

    /// <summary>
    /// The notification to send for this alert (event <see cref="WorkflowNotification.AlertEvent"/>); its figures are
    /// <see cref="Values"/> plus <c>severity</c>, <c>condition</c> and, when set, <c>error</c>.
    /// </summary>
    public WorkflowNotification ToNotification(string workflow, string runId, DateTimeOffset timestamp)
    {
        var figures = new Dictionary<string, object?>(Values, StringComparer.Ordinal)
        {
            ["severity"] = Severity,
            ["condition"] = Condition,
        };
        if (Error is not null)
        {
            figures["error"] = Error.ToString();
        }

        return new WorkflowNotification
        {
            Event = WorkflowNotification.AlertEvent,
            Workflow = workflow,
            RunId = runId,
            Message = Message,
            Timestamp = timestamp,
            Figures = figures,
        };
    }
}
