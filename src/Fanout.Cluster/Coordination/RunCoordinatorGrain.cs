using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Fanout.Cluster.Coordination;

/// <summary>
/// The coordinator grain of a run (see <see cref="IRunCoordinatorGrain"/>). Placed only on silos that coordinate runs (worker
/// silos do not register the class, <see cref="Hosting.ClusterHosting"/>), so a firing on any silo activates it where the run can
/// be resumed. Not reentrant: one check at a time, so a run is taken over once.
/// </summary>
internal sealed partial class RunCoordinatorGrain(RunTakeover takeover, ILogger<RunCoordinatorGrain> logger) : Grain, IRunCoordinatorGrain, IRemindable
{
    private const string ReminderName = "coordinator";

    public async Task WatchAsync(TimeSpan interval) => await this.RegisterOrUpdateReminder(ReminderName, interval, interval).ConfigureAwait(true);

    public async Task ReleaseAsync()
    {
        if (await this.GetReminder(ReminderName).ConfigureAwait(true) is { } reminder)
        {
            await this.UnregisterReminder(reminder).ConfigureAwait(true);
        }

        DeactivateOnIdle();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        bool watching;
        try
        {
            watching = await takeover.CheckAsync(this.GetPrimaryKeyString(), CancellationToken.None).ConfigureAwait(true);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or FanoutException or IOException)
        {
            // The store is unreachable or the resume failed: the next firing tries again.
            LogCheckFailed(logger, this.GetPrimaryKeyString(), e.Message);
            return;
        }

        if (!watching)
        {
            await ReleaseAsync().ConfigureAwait(true);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "run {RunId}: could not check its coordinator: {Reason}")]
    private static partial void LogCheckFailed(ILogger logger, string runId, string reason);
}
