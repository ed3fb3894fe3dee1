using Fanout.Events;
using Fanout.Execution;
using Fanout.Runs;

namespace Fanout.Cli.Commands;

/// <summary>Starts scheduled runs for <c>fanout serve</c>: exec schedules through the run service (recorded like any run); workflow schedules report that the engine is missing.</summary>
internal sealed class CliScheduleLauncher(CliContext context, IRunStore store) : IScheduleLauncher
{
    public async Task<ScheduleLaunchResult> LaunchAsync(ScheduleRecord schedule, Action<string> started, CancellationToken cancellationToken)
    {
        TextWriter o = context.Console.Out;
        if (schedule.Kind != "exec")
        {
            string message = $"error: workflow engine not available (schedule '{schedule.Name}' runs {schedule.Definition})";
            await o.WriteLineAsync($"schedule {schedule.Name}: {message}").ConfigureAwait(false);
            return new ScheduleLaunchResult(null, message);
        }

        RunDefinition definition;
        Runs.RunService service;
        Inventory.TargetSet targets;
        try
        {
            definition = RunDefinition.FromJson(schedule.Definition);
            service = context.GetRunService(store, definition.Ssh?.ToOptions());
            targets = await service.SelectTargetsAsync(definition.Inventory, definition.Selection, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FanoutException or FormatException)
        {
            await o.WriteLineAsync($"schedule {schedule.Name}: error: {e.Message}").ConfigureAwait(false);
            return new ScheduleLaunchResult(null, $"error: {e.Message}");
        }

        string runId = service.NewRunId();
        started(runId);
        await o.WriteLineAsync($"schedule {schedule.Name}: run {runId} on {targets.Count} target(s)").ConfigureAwait(false);
        BatchResult result = await service.ExecuteAsync(new RunRequest
        {
            RunId = runId,
            Operation = definition.CreateOperation(),
            Targets = targets,
            Options = definition.Options.ToExecutionOptions(),
            Definition = definition,
            Actor = $"schedule:{schedule.Name}",
        }, new ProgressTracker(context.Time), cancellationToken).ConfigureAwait(false);
        string status = RunRecorder.StatusOf(result).ToWireName();
        await o.WriteLineAsync($"schedule {schedule.Name}: run {runId} {status} ({result.Successes.Count()}/{result.Total} succeeded)").ConfigureAwait(false);
        return new ScheduleLaunchResult(runId, status);
    }
}
