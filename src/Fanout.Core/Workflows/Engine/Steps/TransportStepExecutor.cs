using System.Text;
using Fanout.Events;
using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Runs;
using Fanout.Transports;
using Microsoft.Extensions.Logging;

namespace Fanout.Workflows.Engine;

/// <summary>
/// Runs steps through <see cref="BatchExecutor"/> — the same path as <c>fanout exec</c>: a plain step is one local
/// target, a <c>targets:</c> step the selected targets with its batch size, parallelism and failure threshold.
/// Sessions come from one <see cref="SessionScope"/> per workflow run.
/// </summary>
internal sealed class TransportStepExecutor : IStepExecutor
{
    internal static readonly Target LocalTarget = new() { Name = "local", Host = "localhost", Transport = TransportNames.Local };

    private readonly TransportRegistry _transports;
    private readonly SessionScope _sessions;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IStepTargetDispatcher? _dispatcher;
    private readonly List<BatchResult> _results = [];

    /// <summary>Runs steps through <paramref name="transports"/>; <paramref name="dispatcher"/> (null: none) runs fan-out steps' targets on the cluster's workers instead (plain steps always run here).</summary>
    public TransportStepExecutor(TransportRegistry transports, SessionScope sessions, TimeProvider time, ILogger logger, IStepTargetDispatcher? dispatcher = null)
    {
        _transports = transports;
        _sessions = sessions;
        _time = time;
        _logger = logger;
        _dispatcher = dispatcher;
    }

    public async Task<StepExecution> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        IReadOnlyList<Target> targets = invocation.Targets ?? [LocalTarget];
        var options = new ExecutionOptions
        {
            MaxConcurrency = Math.Max(1, invocation.Parallel ?? (invocation.Targets is null ? 1 : 10)),
            BatchSizes = invocation.BatchSizes,
            Timeout = invocation.Timeout ?? System.Threading.Timeout.InfiniteTimeSpan,
            MaxFailPercent = invocation.MaxFailPercent,
            CancellationGracePeriod = TimeSpan.FromSeconds(2),
        };
        IOperation operation = invocation.CommandFor is { } render
            ? new PerTargetCommandOperation(invocation, render)
            : invocation.Script is { } script
            ? new ScriptOperation(ScriptName(invocation), Encoding.UTF8.GetBytes(script))
            : new CommandOperation(new CommandSpec
            {
                ShellCommand = invocation.Command ?? "true",
                Shell = invocation.Shell,
                Environment = invocation.Environment,
                WorkingDirectory = invocation.WorkingDirectory,
            }, invocation.Path);
        if (_dispatcher is not null && invocation.Targets is not null)
        {
            RunDefinition step = RunDefinition.ForWorkflowStep(invocation.Command, invocation.Script, ScriptName(invocation), invocation.Shell, invocation.Environment, invocation.WorkingDirectory);
            operation = _dispatcher.Dispatch(operation, step, invocation.CommandFor);
        }

        if (invocation.Wrap is { } wrap)
        {
            operation = wrap(operation);
        }

        var executor = new BatchExecutor(options, _transports, _time, _logger);
        BatchResult result = await executor.ExecuteAsync(operation, targets, _sessions, invocation.Progress, invocation.RunId, cancellationToken).ConfigureAwait(false);
        lock (_results)
        {
            _results.Add(result);
        }

        return Summarize(invocation, result);
    }

    /// <summary>
    /// Deletes the spill files of every step batch this executor ran (SPEC X12): called when the workflow run is recorded,
    /// so nothing of it stays under the spill root. Outputs that pointed there show their in-memory window only.
    /// </summary>
    internal void DeleteSpillFiles()
    {
        List<BatchResult> results;
        lock (_results)
        {
            results = [.. _results];
            _results.Clear();
        }

        results.ForEach(r => r.DeleteSpillFiles());
    }

    /// <summary>The file name a step's script is uploaded under (its path, slashes made underscores, plus <c>.sh</c>).</summary>
    internal static string ScriptName(StepInvocation invocation) => invocation.Path.Replace('/', '_') + ".sh";

    internal static StepExecution Summarize(StepInvocation invocation, BatchResult result)
    {
        if (invocation.Targets is null)
        {
            TargetOutcome o = result.Outcomes[0];
            return new StepExecution
            {
                State = ToStepState(o.State),
                ExitCode = o.ExitCode,
                Stdout = o.Stdout.ReadAll(),
                Stderr = o.Stderr.ReadAll(),
                Error = o.Error ?? (o.State == TargetState.Succeeded ? null : ErrorOf(o)),
                Outcomes = result.Outcomes,
            };
        }

        int failed = result.Failures.Count();
        bool ok = failed == 0 || (invocation.MaxFailPercent is { } max && !result.Cancelled
            && result.Outcomes.All(x => x.State != TargetState.NotRun) && 100.0 * failed / Math.Max(1, result.Total) <= max);
        StepState state = ok ? StepState.Succeeded
            : result.Cancelled ? StepState.Cancelled
            : result.Failures.All(x => x.State == TargetState.TimedOut) ? StepState.TimedOut : StepState.Failed;
        return new StepExecution
        {
            State = state,
            Outcomes = result.Outcomes,
            Error = ok ? null : $"{failed} of {result.Total} target(s) did not succeed: " +
                string.Join("; ", result.Failures.Take(5).Select(f => $"{f.Target}: {f.Error ?? ErrorOf(f)}")),
        };
    }

    private static string ErrorOf(TargetOutcome o) => o.State == TargetState.Failed && o.ExitCode is { } code ? $"exit code {code}" : o.State.ToWireName();

    internal static StepState ToStepState(TargetState state) => state switch
    {
        TargetState.Succeeded or TargetState.Skipped => StepState.Succeeded,
        TargetState.TimedOut => StepState.TimedOut,
        TargetState.Cancelled => StepState.Cancelled,
        TargetState.NotRun => StepState.NotRun,
        _ => StepState.Failed,
    };
}
