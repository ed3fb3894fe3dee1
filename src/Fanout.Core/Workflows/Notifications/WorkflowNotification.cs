namespace Fanout.Workflows.Notifications;

/// <summary>
/// One workflow event sent to notification channels (SPEC W16). Serialized for webhooks and command channels as
/// <c>{"event", "workflow", "runId", "step", "message", "timestamp", "figures"}</c> (see <see cref="ToJson"/>).
/// </summary>
public sealed record WorkflowNotification
{
    /// <summary>The event: <c>started</c>, <c>completed</c>, <c>failed</c>, <c>requires_approval</c> (the workflow events
    /// of <c>notifications.events</c>), or <see cref="AlertEvent"/> for a raised monitoring alert.</summary>
    public required string Event { get; init; }

    /// <summary>The workflow name.</summary>
    public required string Workflow { get; init; }

    /// <summary>The run id.</summary>
    public required string RunId { get; init; }

    /// <summary>The step the event is about (for <c>requires_approval</c>), or null for the whole run.</summary>
    public string? Step { get; init; }

    /// <summary>A human-readable message.</summary>
    public string Message { get; init; } = string.Empty;

    /// <summary>When the event happened.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>
    /// Run figures at the time of the event (<c>duration</c>, <c>failed_steps</c> …; see <c>RunFigures</c>) and, for
    /// alerts, the alert's <c>severity</c>/<c>condition</c>. Values use the template value model (strings, numbers,
    /// booleans, lists, maps). The default value is empty.
    /// </summary>
    public IReadOnlyDictionary<string, object?> Figures { get; init; } = new Dictionary<string, object?>();

    /// <summary>The event name used for monitoring alerts (<c>alert</c>).</summary>
    public const string AlertEvent = "alert";

    /// <summary>Serializes the notification as the compact JSON body sent to channels.</summary>
    public string ToJson() => NotificationJson.Serialize(this);
}
