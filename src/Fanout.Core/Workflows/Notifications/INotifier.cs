namespace Fanout.Workflows.Notifications;

/// <summary>Delivers workflow notifications to named channels (SPEC W16).</summary>
/// <remarks>
/// Delivery is best effort: an implementation never throws for a channel that is unknown, unreachable or failing
/// (failures are recorded and logged instead) and never fails the run. It does throw
/// <see cref="OperationCanceledException"/> when <c>cancellationToken</c> is cancelled.
/// </remarks>
public interface INotifier
{
    /// <summary>Sends <paramref name="notification"/> to each of <paramref name="channels"/> (concurrently).</summary>
    /// <param name="notification">What happened.</param>
    /// <param name="channels">Channel names from the workflow's <c>notifications.channels</c>.</param>
    /// <param name="cancellationToken">Cancels the delivery.</param>
    Task NotifyAsync(WorkflowNotification notification, IReadOnlyList<string> channels, CancellationToken cancellationToken);
}
