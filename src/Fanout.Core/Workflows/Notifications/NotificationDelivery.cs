namespace Fanout.Workflows.Notifications;

/// <summary>The outcome of sending one notification to one channel; failures are data, never exceptions.</summary>
/// <param name="Channel">The channel name.</param>
/// <param name="Event">The notification's event.</param>
/// <param name="RunId">The notification's run id.</param>
/// <param name="Success">True when the webhook answered 2xx or the command exited 0.</param>
/// <param name="Error">Why the delivery failed (never contains secret header values), or null.</param>
/// <param name="Duration">How long the delivery took.</param>
public sealed record NotificationDelivery(string Channel, string Event, string RunId, bool Success, string? Error, TimeSpan Duration);
