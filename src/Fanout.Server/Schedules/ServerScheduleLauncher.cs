using Fanout.Inventory;
using Fanout.Runs;
using Fanout.Server.Audit;
using Fanout.Server.Batches;
using Fanout.Server.Observability;

namespace Fanout.Server.Schedules;

/// <summary>Fires schedules through the server's execution queue, so scheduled runs show up as batches (status, SSE, metrics, audit).</summary>
internal sealed class ServerScheduleLauncher(RunService runs, BatchQueue queue, AuditLog audit, ServerMetrics metrics, TimeProvider time) : IScheduleLauncher
{
    public async Task<ScheduleLaunchResult> LaunchAsync(ScheduleRecord schedule, Action<string> started, CancellationToken cancellationToken)
    {
        if (schedule.Kind != "exec")
        {
            return new ScheduleLaunchResult(null, $"error: workflow engine not available (schedule '{schedule.Name}' runs {schedule.Definition})");
        }

        RunDefinition definition;
        TargetSet targets;
        try
        {
            definition = RunDefinition.FromJson(schedule.Definition);
            targets = await runs.SelectTargetsAsync(definition.Inventory, definition.Selection, cancellationToken);
        }
        catch (Exception e) when (e is FanoutException or FormatException)
        {
            return new ScheduleLaunchResult(null, $"error: {e.Message}");
        }

        string actor = $"schedule:{schedule.Name}";
        string batchId = BatchEndpoints.NewBatchId(time);
        var request = new RunRequest
        {
            RunId = batchId,
            Operation = definition.CreateOperation(),
            Targets = targets,
            Options = definition.Options.ToExecutionOptions(),
            Definition = definition,
            Actor = actor,
        };
        var batch = new BatchState(batchId, actor, request, time.GetUtcNow(), 0, audit, metrics);
        if (!queue.TryEnqueue(batch))
        {
            return new ScheduleLaunchResult(null, "skipped: the execution queue is full");
        }

        started(batchId);
        await audit.WriteAsync(actor, "batch.create", batchId, $"schedule {schedule.Name}: {definition.DisplayName}", targets.Count, cancellationToken);
        RunStatus status = await batch.Completion;
        return new ScheduleLaunchResult(batchId, status.ToWireName());
    }
}
