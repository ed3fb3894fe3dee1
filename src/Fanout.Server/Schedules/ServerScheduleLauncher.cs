using System.Text.Json;
using Fanout.Inventory;
using Fanout.Runs;
using Fanout.Server.Audit;
using Fanout.Server.Batches;
using Fanout.Server.Observability;
using Fanout.Server.Workflows;
using Fanout.Workflows.Parameters;

namespace Fanout.Server.Schedules;

/// <summary>Fires schedules of every kind through the server's execution queue, so scheduled runs show up as batches (status, SSE, metrics, audit).</summary>
internal sealed class ServerScheduleLauncher(RunService runs, BatchQueue queue, AuditLog audit, ServerMetrics metrics, TimeProvider time, WorkflowRunService workflows, IRunStore store) : IScheduleLauncher
{
    public async Task<ScheduleLaunchResult> LaunchAsync(ScheduleRecord schedule, Action<string> started, CancellationToken cancellationToken)
    {
        if (schedule.Kind == "workflow")
        {
            return await LaunchWorkflowAsync(schedule, started, cancellationToken);
        }

        if (!RunKinds.IsKnown(schedule.Kind))
        {
            return new ScheduleLaunchResult(null, $"error: schedule '{schedule.Name}' has unknown kind '{schedule.Kind}'");
        }

        // Every other kind (exec, script, sync, lifecycle, device) is a recorded RunDefinition, resolved as resume and retry resolve it.

        RunDefinition definition;
        Fanout.Operations.IOperation operation;
        TargetSet targets;
        try
        {
            definition = RunDefinition.FromJson(schedule.Definition);
            (operation, targets) = await runs.ResolveAsync(definition, null, cancellationToken);
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
            Operation = operation,
            Targets = targets,
            Options = definition.Options.ToExecutionOptions(),
            Definition = definition,
            Actor = actor,
        };
        var batch = new BatchState(batchId, actor, request, time.GetUtcNow(), 0, audit, metrics);
        if (!await queue.TryEnqueueAsync(batch, cancellationToken))
        {
            return new ScheduleLaunchResult(null, "skipped: the execution queue is full");
        }

        started(batchId);
        await audit.WriteAsync(actor, "batch.create", batchId, $"schedule {schedule.Name}: {definition.DisplayName}", targets.Count, cancellationToken);
        RunStatus status = await batch.Completion;
        return new ScheduleLaunchResult(batchId, status.ToWireName());
    }

    /// <summary>A workflow schedule (<c>fanout schedule add FILE</c>): runs the recorded file with its parameters through the workflow engine.</summary>
    private async Task<ScheduleLaunchResult> LaunchWorkflowAsync(ScheduleRecord schedule, Action<string> started, CancellationToken cancellationToken)
    {
        WorkflowPreparation prepared;
        try
        {
            // A schedule made by `fanout schedule add` records its --set/--set-file/--set-env arguments (bound now exactly as
            // `fanout run` binds them, references read at this fire); older schedules hold a JSON object of values.
            prepared = schedule.Parameters is { } stored && stored.TrimStart().StartsWith('[')
                ? workflows.PrepareRecorded(schedule.Definition, ParameterInputs.FromArguments(JsonSerializer.Deserialize<string[]>(stored) ?? []), schedule.Environment)
                : workflows.Prepare(schedule.Definition, schedule.Parameters is null ? null : JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(schedule.Parameters), schedule.Environment, trusted: true);
        }
        catch (Exception e) when (e is JsonException or FanoutException)
        {
            return new ScheduleLaunchResult(null, $"error: the schedule's parameters cannot be read: {e.Message}");
        }

        if (prepared.Workflow is null)
        {
            return new ScheduleLaunchResult(null, "error: " + string.Join("; ", prepared.Errors.SelectMany(e => e.Value)));
        }

        string actor = $"schedule:{schedule.Name}";
        (string? runId, IReadOnlyList<string> problems) = await workflows.StartAsync(prepared, actor, cancellationToken);
        if (runId is null)
        {
            return new ScheduleLaunchResult(null, "error: " + string.Join("; ", problems));
        }

        started(runId);
        await audit.WriteAsync(actor, "workflow.run", runId, $"schedule {schedule.Name}: workflow {prepared.Workflow.Name}", cancellationToken: cancellationToken);
        // Completion is null only when the run already ended: the store has its status then.
        RunStatus status = workflows.Completion(runId) is { } completion ? await completion
            : (await store.GetRunAsync(runId, cancellationToken))?.Status ?? RunStatus.Failed;
        return new ScheduleLaunchResult(runId, status.ToWireName());
    }
}
