using Fanout.Events;
using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Selection;

namespace Fanout.Runs;

public sealed partial class RunService
{
    /// <summary>
    /// Runs <paramref name="request"/>, recording it in <see cref="Store"/> when there is one: the run and its
    /// selection first, then every attempt as <c>running</c> (durably, before it starts) and its outcome after,
    /// the events, and the final status. With <see cref="RunRequest.Resume"/> the stored run continues instead.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="FanoutException">The run cannot be recorded (store failure, or a resumed run is running elsewhere).</exception>
    public async Task<BatchResult> ExecuteAsync(RunRequest request, ProgressTracker? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        string runId = request.RunId ?? NewRunId();
        if (Store is not { } store)
        {
            return await ExecuteAsync(request.Operation, request.Targets, request.Options, progress, runId, cancellationToken).ConfigureAwait(false);
        }

        IReadOnlyList<string> problems = request.Options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(request));
        }

        DateTimeOffset now = _time.GetUtcNow();
        DateTimeOffset lease = now + _recorderOptions.LeaseDuration;
        ResumePlan? resume = request.Resume;
        int total;
        if (resume is null && request.Queued)
        {
            // Accepted earlier and recorded queued: it starts now, under this process, with a lease.
            if (!await store.ReopenRunAsync(runId, Environment.MachineName, Environment.ProcessId, lease, cancellationToken).ConfigureAwait(false))
            {
                throw new FanoutException($"queued run {runId} cannot be started: it is unknown or already running");
            }

            total = request.Targets.Count;
        }
        else if (resume is null)
        {
            await store.CreateRunAsync(CreateRecord(request, runId, now, lease), Planned(request), cancellationToken).ConfigureAwait(false);
            total = request.Targets.Count;
        }
        else
        {
            if (!await store.ReopenRunAsync(runId, Environment.MachineName, Environment.ProcessId, lease, cancellationToken).ConfigureAwait(false))
            {
                throw new FanoutException($"run {runId} cannot be resumed: it is unknown or still running");
            }

            total = resume.Selection.Count;
        }

        var recorder = new RunRecorder(store, runId, total, _recorderOptions, _time, resume?.AttemptOffsets, resume?.LastSequence ?? 0, resume?.Completed,
            [.. request.Targets.Select(t => t.Name)])
        {
            Owner = (Environment.MachineName, Environment.ProcessId), // as CreateRunAsync and ReopenRunAsync recorded it
        };
        await using (recorder.ConfigureAwait(false))
        {
            ProgressTracker tracker = progress ?? new ProgressTracker(_time);
            tracker.OnEvent(recorder.Post);
            tracker.OnOutput(recorder.OutputObserver);
            BatchResult result;
            bool handedOver = false;
            CancelRequestWatch watch = CancelRequestWatch.Start(store, runId, _recorderOptions.CancelPollInterval, _time, _logger, cancellationToken);
            try
            {
                result = await ExecuteAsync(recorder.Wrap(request.Operation), request.Targets, request.Options, tracker, runId, watch.Token).ConfigureAwait(false);
                if (result.Cancelled && (watch.Request is { } cancel ? $"cancelled by {cancel.Actor}" : request.CancelReason?.Invoke()) is { } reason)
                {
                    result = result with { StopReason = reason };
                }

                handedOver = result.Cancelled && watch.Request is null && request.HandedOver?.Invoke() == true;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The executor reports failures as outcomes; reaching here is a bug or a store failure: keep the record honest.
                DateTimeOffset end = _time.GetUtcNow();
                await recorder.CompleteAsync(
                    new BatchResult { RunId = runId, Operation = request.Operation.Name, StartedAt = now, EndedAt = end, Outcomes = [], StopReason = e.Message },
                    e is OperationCanceledException ? RunStatus.Cancelled : RunStatus.Failed, CancellationToken.None).ConfigureAwait(false);
                throw;
            }
            finally
            {
                await watch.DisposeAsync().ConfigureAwait(false);
            }

            // A resumed run whose inventory lost some remaining targets did not complete them: it cannot count as succeeded.
            RunStatus status = handedOver ? RunStatus.Interrupted : RunRecorder.StatusOf(result);
            if (resume is not null && status == RunStatus.Succeeded && resume.Remaining.Count > request.Targets.Count)
            {
                status = RunStatus.Failed;
            }

            // Never cancelled: the outcome of a cancelled run must still be recorded.
            await recorder.CompleteAsync(result, status, CancellationToken.None).ConfigureAwait(false);
            return result;
        }
    }

    /// <summary>
    /// Records an accepted run as <see cref="RunStatus.Queued"/> (its selection planned, no attempts, owned by this process, no lease) before
    /// it waits for a slot, so that "accepted" means durable: if this process dies the run is <c>interrupted</c> and resumable.
    /// Execute it later with <see cref="RunRequest.Queued"/> set.
    /// </summary>
    /// <exception cref="InvalidOperationException">No store, or the request has no run id.</exception>
    /// <exception cref="FanoutException">The run cannot be recorded.</exception>
    public Task RecordQueuedAsync(RunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        IRunStore store = Store ?? throw new InvalidOperationException("recording a queued run needs a run store");
        string runId = request.RunId ?? throw new InvalidOperationException("a queued run needs its run id");
        RunRecord record = CreateRecord(request, runId, _time.GetUtcNow(), _time.GetUtcNow()) with { Status = RunStatus.Queued, LeaseExpiresAt = null };
        return store.CreateRunAsync(record, Planned(request), cancellationToken);
    }

    /// <summary>The selection of a new run with the wave of every target.</summary>
    private static List<RunTargetRecord> Planned(RunRequest request)
    {
        int[] waves = WavePlanner.Plan(request.Options.BatchSizes, request.Targets.Count);
        var planned = new List<RunTargetRecord>(request.Targets.Count);
        int i = 0;
        for (int w = 0; w < waves.Length; w++)
        {
            for (int k = 0; k < waves[w] && i < request.Targets.Count; k++, i++)
            {
                planned.Add(new RunTargetRecord(request.Targets[i].Name, w + 1));
            }
        }

        for (; i < request.Targets.Count; i++)
        {
            planned.Add(new RunTargetRecord(request.Targets[i].Name, Math.Max(1, waves.Length)));
        }

        return planned;
    }

    private static RunRecord CreateRecord(RunRequest request, string runId, DateTimeOffset now, DateTimeOffset lease) => new()
    {
        RunId = runId,
        Kind = request.Kind ?? request.Definition?.Kind ?? "exec",
        Name = request.Definition?.DisplayName ?? request.Operation.Name,
        Actor = request.Actor ?? DefaultActor,
        Selectors = request.Definition?.SelectionJson(),
        Options = request.Definition?.OptionsJson() ?? RunEventPayload.Write(RecordedOptions.From(request.Options)),
        Parameters = null,
        Operation = request.Definition?.ToJson(),
        ParentRunId = request.ParentRunId,
        StartedAt = now,
        OwnerHost = Environment.MachineName,
        OwnerPid = Environment.ProcessId,
        LeaseExpiresAt = lease,
        Counts = RunCounts.Empty with { Total = request.Targets.Count },
    };

    /// <summary>The actor recorded for runs started by this process: <c>user@host</c>.</summary>
    public static string DefaultActor => $"{Environment.UserName}@{Environment.MachineName}";

    /// <summary>
    /// Turns stored run <paramref name="runId"/> into a resume request (SPEC H3): its recorded definition and options;
    /// the targets of its recorded selection that did not complete (what was running is run again), looked up in the
    /// current inventory. Targets the inventory lost, or that the criteria now add, are reported, not run.
    /// </summary>
    public Task<ContinuationPlan> PlanResumeAsync(string runId, CancellationToken cancellationToken) => PlanResumeAsync(runId, null, cancellationToken);

    /// <summary>As <see cref="PlanResumeAsync(string, CancellationToken)"/>, with <paramref name="overrides"/> replacing recorded options (issue 10 item 14).</summary>
    public async Task<ContinuationPlan> PlanResumeAsync(string runId, RunOverrides? overrides, CancellationToken cancellationToken)
    {
        IRunStore store = Store ?? throw new InvalidOperationException("resume needs a run store");
        if (await store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false) is { Kind: "workflow" } workflowRun)
        {
            return await PlanWorkflowAsync(workflowRun, retry: false, RetrySelection.AllUnsuccessful, overrides, cancellationToken).ConfigureAwait(false);
        }

        if (await RunContinuation.PlanResumeAsync(store, runId, cancellationToken).ConfigureAwait(false) is not { } plan)
        {
            return new ContinuationPlan { Error = $"no run with id '{runId}'" };
        }

        RunRecord run = plan.Run;
        if (run.Status is RunStatus.Running or RunStatus.Queued)
        {
            return new ContinuationPlan { Run = run, Error = $"run {runId} is still {run.Status.ToWireName()} (owner pid {run.OwnerPid} on {run.OwnerHost})" };
        }

        if (plan.Remaining.Count == 0)
        {
            return new ContinuationPlan { Run = run, NothingToDo = $"every target of run {runId} already completed" };
        }

        (RunDefinition? definition, IOperation? operation, TargetSet? current, string? error) = await LoadDefinitionAsync(run, overrides, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            return new ContinuationPlan { Run = run, Error = error };
        }

        return Continue(run, plan.Selection, plan.Remaining, current!, plan.WereRunning, r => r with
        {
            RunId = runId,
            Definition = definition,
            Operation = operation!,
            Options = definition!.Options.ToExecutionOptions(),
            Kind = run.Kind,
            Resume = plan,
        });
    }

    /// <summary>Turns the unsuccessful targets of stored run <paramref name="runId"/> into a new run linked to it (SPEC X11), with the recorded definition and options.</summary>
    public Task<ContinuationPlan> PlanRetryAsync(string runId, RetrySelection selection, CancellationToken cancellationToken) => PlanRetryAsync(runId, selection, null, cancellationToken);

    /// <summary>As <see cref="PlanRetryAsync(string, RetrySelection, CancellationToken)"/>, with <paramref name="overrides"/> replacing recorded options; the new run records them.</summary>
    public async Task<ContinuationPlan> PlanRetryAsync(string runId, RetrySelection selection, RunOverrides? overrides, CancellationToken cancellationToken)
    {
        IRunStore store = Store ?? throw new InvalidOperationException("retry needs a run store");
        if (await store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false) is not { } run)
        {
            return new ContinuationPlan { Error = $"no run with id '{runId}'" };
        }

        if (run.Kind == "workflow")
        {
            return await PlanWorkflowAsync(run, retry: true, selection, overrides, cancellationToken).ConfigureAwait(false);
        }

        if (run.Status is RunStatus.Running or RunStatus.Queued)
        {
            return new ContinuationPlan { Run = run, Error = $"run {runId} is still {run.Status.ToWireName()} (owner pid {run.OwnerPid} on {run.OwnerHost})" };
        }

        IReadOnlyList<RunTargetRecord> chosen = await RunContinuation.SelectForRetryAsync(store, runId, selection, cancellationToken).ConfigureAwait(false);
        if (chosen.Count == 0)
        {
            return new ContinuationPlan { Run = run, NothingToDo = $"run {runId} has no targets to retry" };
        }

        (RunDefinition? definition, IOperation? operation, TargetSet? current, string? error) = await LoadDefinitionAsync(run, overrides, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            return new ContinuationPlan { Run = run, Error = error };
        }

        IReadOnlyList<RunTargetRecord> recorded = await store.GetRunTargetsAsync(runId, cancellationToken).ConfigureAwait(false);
        return Continue(run, recorded, chosen, current!, [], r => r with
        {
            Definition = definition,
            Operation = operation!,
            Options = definition!.Options.ToExecutionOptions(),
            Kind = run.Kind,
            ParentRunId = runId,
        });
    }

    private async Task<(RunDefinition?, IOperation?, TargetSet?, string?)> LoadDefinitionAsync(RunRecord run, RunOverrides? overrides, CancellationToken cancellationToken)
    {
        if (run.Operation is null)
        {
            return (null, null, null, $"run {run.RunId} has no recorded definition; it cannot be run again");
        }

        try
        {
            RunDefinition definition = RunDefinition.FromJson(run.Operation);
            if (overrides is not null)
            {
                IReadOnlyList<string> wrong = overrides.Inapplicable(definition.Kind);
                if (wrong.Count > 0)
                {
                    return (null, null, null, $"{string.Join(", ", wrong)} cannot apply to run {run.RunId} (a {definition.Kind} run)");
                }

                if (overrides.Validate() is { Count: > 0 } invalid)
                {
                    return (null, null, null, string.Join("; ", invalid));
                }

                definition = definition with { Options = overrides.Apply(definition.Options), Stdin = definition.Stdin || overrides.StandardInput is not null };
            }

            if (definition.Stdin && overrides?.StandardInput is null)
            {
                return (null, null, null, $"run {run.RunId} fed its standard input to every target (--stdin), which is not stored: give --stdin again");
            }

            (IOperation operation, TargetSet current) = await ResolveAsync(definition, overrides?.StandardInput, cancellationToken).ConfigureAwait(false);
            return (definition, operation, current, null);
        }
        catch (Exception e) when (e is FanoutException or FormatException or ArgumentException)
        {
            return (null, null, null, e.Message);
        }
    }

    /// <summary>
    /// Turns <paramref name="definition"/> into what runs: its inventory loaded, its operation built (lifecycle providers from that
    /// inventory, <paramref name="standardInput"/> for a <c>--stdin</c> run) and its targets — the explicit list, in order, or what
    /// its selection matches now. Resume, retry and schedules all go through here.
    /// </summary>
    /// <exception cref="FanoutException">The definition cannot run (unknown kind, workflow, malformed operation).</exception>
    /// <exception cref="InventoryException">An inventory source is missing or malformed.</exception>
    /// <exception cref="SelectionException">The recorded selection is malformed.</exception>
    public async Task<(IOperation Operation, TargetSet Targets)> ResolveAsync(RunDefinition definition, ReadOnlyMemory<byte>? standardInput, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        Inventory.Inventory inventory = await LoadInventoryAsync(definition.Inventory, cancellationToken).ConfigureAwait(false);
        IOperation operation = definition.CreateOperation(inventory, standardInput);
        TargetSet targets = definition.Targets is { } names
            ? new TargetSet(names.Select(inventory.FindTarget).OfType<Target>())
            : Selector.Select(inventory, definition.Selection);
        return (operation, targets);
    }

    private static ContinuationPlan Continue(RunRecord run, IReadOnlyList<RunTargetRecord> recorded, IReadOnlyList<RunTargetRecord> chosen, TargetSet current, IReadOnlyList<string> wereRunning, Func<RunRequest, RunRequest> complete)
    {
        var byName = current.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var recordedNames = recorded.Select(t => t.Target).ToHashSet(StringComparer.Ordinal);
        var missing = chosen.Where(t => !byName.ContainsKey(t.Target)).Select(t => t.Target).ToList();
        var added = current.Where(t => !recordedNames.Contains(t.Name)).Select(t => t.Name).ToList();
        var targets = chosen.Where(t => byName.ContainsKey(t.Target)).Select(t => byName[t.Target]).ToList();
        if (targets.Count == 0)
        {
            return new ContinuationPlan { Run = run, Missing = missing, Added = added, Error = "none of the targets to run is in the inventory any more" };
        }

        var request = complete(new RunRequest { Operation = null!, Targets = targets, Options = new ExecutionOptions() });
        return new ContinuationPlan { Run = run, Request = request, Missing = missing, Added = added, WereRunning = wereRunning };
    }
}
