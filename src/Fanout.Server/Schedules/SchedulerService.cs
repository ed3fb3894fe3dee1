using Fanout.Runs;

namespace Fanout.Server.Schedules;

/// <summary>Runs the scheduler loop (SPEC H5) inside <c>fanout serve</c> until the server stops.</summary>
internal sealed class SchedulerService(Scheduler scheduler) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await scheduler.RunAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the batches it started are cancelled and recorded by the queue.
        }
    }
}
