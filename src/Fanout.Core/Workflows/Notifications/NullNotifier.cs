namespace Fanout.Workflows.Notifications;

/// <summary>An <see cref="INotifier"/> that sends nothing (no configuration, tests, dry runs).</summary>
public sealed class NullNotifier : INotifier
{
    private NullNotifier()
    {
    }

    /// <summary>The shared instance.</summary>
    public static NullNotifier Instance { get; } = new();

    /// <inheritdoc />
    public Task NotifyAsync(WorkflowNotification notification, IReadOnlyList<string> channels, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.CompletedTask;
    }
}
