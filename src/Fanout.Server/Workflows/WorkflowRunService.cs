using System.Collections.Concurrent;
using System.Text.Json;
using Fanout.Cluster.Coordination;
using Fanout.Cluster.Dispatch;
using Fanout.Diagnostics;
using Fanout.Runs;
using Fanout.Security;
using Fanout.Server.Audit;
using Fanout.Server.Inventory;
using Fanout.Server.Observability;
using Fanout.Workflows;
using Fanout.Workflows.Engine;
using Fanout.Workflows.Model;
using Fanout.Workflows.Parameters;
using Fanout.Workflows.Planning;
using Fanout.Workflows.Validation;

namespace Fanout.Server.Workflows;

/// <summary>
/// Runs workflow files of <see cref="ServerOptions.WorkflowsDirectory"/> in the background through the
/// <see cref="WorkflowRunner"/> with the server's store (recorded like <c>fanout run</c>, so <c>fanout history/show</c>,
/// <c>fanout approve</c> and <c>fanout resume</c> see the runs). On shutdown running workflows are cancelled and awaited.
/// </summary>
internal sealed partial class WorkflowRunService : IHostedService
{
    private readonly IRunDistributor _distributor;
    private readonly IRunCoordination _coordination;
    private volatile string? _successor; // set as this server stops, when another server of the cluster can take its runs over
    private readonly IRunStore _store;
    private readonly RunService _runs;
    private readonly InventoryCache _inventory;
    private readonly ServerOptions _options;
    private readonly ServerMetrics _metrics;
    private readonly AuditLog _audit;
    private readonly TimeProvider _time;
    private readonly ILogger<WorkflowRunService> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, Task<RunStatus>> _running = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _awaiting = new(StringComparer.Ordinal);

    public WorkflowRunService(IRunStore store, RunService runs, InventoryCache inventory, IRunDistributor distributor, IRunCoordination coordination, ServerOptions options,
        ServerMetrics metrics, AuditLog audit, TimeProvider time, ILogger<WorkflowRunService> logger)
    {
        _distributor = distributor;
        _coordination = coordination;
        _store = store;
        _runs = runs;
        _inventory = inventory;
        _options = options;
        _metrics = metrics;
        _audit = audit;
        _time = time;
        _logger = logger;
        metrics.ApprovalsPending = () => _awaiting.Count;
    }

    /// <summary>
    /// Resolves, validates and binds a workflow; on success <see cref="WorkflowPreparation.Workflow"/> is set, else
    /// <see cref="WorkflowPreparation.Errors"/> (field → messages) and the diagnostics with their positions.
    /// </summary>
    /// <param name="trusted">True for a path an admin recorded (a workflow schedule): it may be absolute and lie outside the workflows directory.</param>
    /// <param name="parametersField">The field of the parameter values in the request: a problem about parameter NAME is reported at <c>{parametersField}.NAME</c>.</param>
    public WorkflowPreparation Prepare(string? file, IReadOnlyDictionary<string, JsonElement>? parameters, string? environment, string field = "file", bool trusted = false,
        string parametersField = "parameters") =>
        Prepare(file, parameters, null, environment, field, trusted, parametersField);

    /// <summary>
    /// Resolves, validates and binds the workflow of a schedule made by <c>fanout schedule add</c>: its recorded <c>--set</c>,
    /// <c>--set-file</c> and <c>--set-env</c> arguments are bound exactly as <c>fanout run</c> binds them (files and variables are read now).
    /// </summary>
    public WorkflowPreparation PrepareRecorded(string file, ParameterInputs inputs, string? environment) =>
        Prepare(file, null, inputs, environment, "file", trusted: true, "parameters");

    private WorkflowPreparation Prepare(string? file, IReadOnlyDictionary<string, JsonElement>? parameters, ParameterInputs? recorded, string? environment, string field, bool trusted,
        string parametersField)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(file))
        {
            errors[field] = ["a workflow file (a name in the server's workflows directory) is required"];
            return new WorkflowPreparation { Errors = errors };
        }

        if (file.Contains('\0', StringComparison.Ordinal))
        {
            errors[field] = ["the workflow file name contains a NUL character"];
            return new WorkflowPreparation { Errors = errors };
        }

        string dir = Path.GetFullPath(_options.WorkflowsDirectory);
        string full = Path.GetFullPath(Path.Combine(dir, file));
        if (!trusted && !full.StartsWith(dir + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            errors[field] = [$"workflow file '{file}' is outside the server's workflows directory"];
            return new WorkflowPreparation { Errors = errors };
        }

        // A symbolic link inside the directory may point anywhere: only files whose real path is inside are read.
        if (!trusted && File.Exists(full) && !Http.ServerPaths.IsInside(dir, full))
        {
            errors[field] = [$"workflow file '{file}' is a link to a file outside the server's workflows directory"];
            return new WorkflowPreparation { Errors = errors };
        }

        if (!File.Exists(full))
        {
            errors[field] = [$"no workflow file '{file}' in the server's workflows directory"];
            return new WorkflowPreparation { Errors = errors };
        }

        string relative = full.StartsWith(dir + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? Path.GetRelativePath(dir, full) : full;
        // The server only translates its input (a JSON object of values, or a schedule's recorded --set/--set-file/--set-env) into the
        // workflow run definition; validation and binding are the run service's, exactly as for `fanout run` and resume.
        IReadOnlyList<string> set = [.. recorded?.Set ?? [], .. SetArgument.FromJson(parameters, out IReadOnlyList<string> invalid)];
        foreach (string key in invalid)
        {
            errors[$"{parametersField}.{key}"] = [$"parameter '{key}' must be a string, number, boolean, list or object, not null"];
        }

        var definition = RunDefinition.ForWorkflow(
            new RecordedWorkflow { File = full, Set = set, SetFile = recorded?.SetFile ?? [], SetEnv = recorded?.SetEnv ?? [], Environment = environment }, _inventory.Sources);
        PreparedWorkflow prepared = _runs.PrepareWorkflow(definition);
        List<DiagnosticDocument> diagnostics = [.. prepared.Diagnostics.Select(d => d with { Position = d.Position with { File = relative } })
            .Select(d => new DiagnosticDocument(d.IsError ? "error" : "warning", d.Position.Line, d.Position.Column, d.Message, d.ToString()))];
        if (prepared.Diagnostics.Any(d => d.IsError))
        {
            errors[field] = [.. diagnostics.Where(d => d.Severity == "error").Select(d => d.Text)];
            return new WorkflowPreparation { Errors = errors, Diagnostics = diagnostics };
        }

        // Each problem at the parameter it names (a form shows it at that field); the others at the parameters as a whole.
        foreach (IGrouping<string, string> named in prepared.Errors.GroupBy(e => FieldOf(e, parametersField)))
        {
            errors[named.Key] = [.. named];
        }

        return errors.Count > 0
            ? new WorkflowPreparation { Errors = errors, Diagnostics = diagnostics }
            : new WorkflowPreparation { Prepared = prepared, File = relative, Diagnostics = diagnostics };
    }

    /// <summary><c>parameters.NAME</c> for a binding problem that starts "parameter 'NAME'", else <c>parameters</c>.</summary>
    internal static string FieldOf(string problem, string parametersField)
    {
        const string Prefix = "parameter '";
        int end = problem.StartsWith(Prefix, StringComparison.Ordinal) ? problem.IndexOf('\'', Prefix.Length) : -1;
        return end > Prefix.Length ? $"{parametersField}.{problem[Prefix.Length..end]}" : parametersField;
    }

    /// <summary>The plan of a prepared workflow (masked) as text, mermaid or dot.</summary>
    public static string Plan(WorkflowPreparation prepared, string format)
    {
        WorkflowPlan plan = WorkflowPlanner.Build(prepared.Workflow!, prepared.Binding!.Values);
        string text = format switch
        {
            "mermaid" => PlanRenderer.ToMermaid(plan),
            "dot" => PlanRenderer.ToDot(plan),
            _ => PlanRenderer.ToText(plan),
        };
        return SecretMasker.Apply(text, prepared.Binding.SecretValues);
    }

    /// <summary>Checks rules and prerequisites, then starts the run in the background; returns the run id, or the problems (nothing started).</summary>
    public async Task<(string? RunId, IReadOnlyList<string> Problems)> StartAsync(WorkflowPreparation prepared, string actor, CancellationToken cancellationToken)
    {
        if (_stopping.IsCancellationRequested)
        {
            return (null, ["the server is shutting down"]);
        }

        Fanout.Inventory.Inventory? inventory = null;
        if (prepared.Prepared!.NeedsInventory)
        {
            try
            {
                inventory = await _inventory.GetAsync(cancellationToken);
            }
            catch (Fanout.Inventory.InventoryException e)
            {
                return (null, [$"the server's inventory cannot be loaded: {e.Message}"]);
            }
        }

        WorkflowRunRequest request = prepared.Prepared!.ToRequest(_runs.NewRunId(), actor);
        return await LaunchAsync(request, inventory, null, actor, check: true, cancellationToken);
    }

    /// <summary>
    /// Starts the resume or retry the run service planned (<see cref="RunService.PlanResumeAsync(string, RunOverrides?, CancellationToken)"/>)
    /// in the background: the recorded definition, inventory, options and SSH settings; returns the run id, or the problems.
    /// </summary>
    /// <param name="confirmRerun">Run again steps that were running when the run stopped and are not marked idempotent (the CLI's <c>--yes</c>).</param>
    public Task<(string? RunId, IReadOnlyList<string> Problems)> ContinueAsync(PreparedWorkflow prepared, WorkflowRunRequest request, string actor, bool confirmRerun, CancellationToken cancellationToken) =>
        LaunchAsync(request with { Actor = actor }, prepared.Inventory, prepared, actor, check: false, cancellationToken, confirmRerun);

    private async Task<(string? RunId, IReadOnlyList<string> Problems)> LaunchAsync(WorkflowRunRequest request, Fanout.Inventory.Inventory? inventory, PreparedWorkflow? recorded,
        string actor, bool check, CancellationToken cancellationToken, bool confirmRerun = false)
    {
        if (_stopping.IsCancellationRequested)
        {
            return (null, ["the server is shutting down"]);
        }

        string runId = request.RunId!;
        var progress = new Fanout.Events.ProgressTracker(_time, logger: _logger);
        progress.OnEvent(e =>
        {
            switch (e)
            {
                case Fanout.Events.ApprovalRequested requested:
                    _awaiting[runId + "\n" + requested.Path] = 0;
                    break;
                case Fanout.Events.ApprovalDecided decided:
                    _awaiting.TryRemove(runId + "\n" + decided.Path, out _);
                    break;
                case Fanout.Events.StepFinished finished:
                    _awaiting.TryRemove(runId + "\n" + finished.Path, out _);
                    break;
            }
        });
        RecordedWorkflow? options = recorded?.Definition.Workflow;
        var runner = new WorkflowRunner(new WorkflowRunnerOptions
        {
            Store = _store,
            Inventory = inventory,
            TimeProvider = _time,
            Logger = _logger,
            Progress = progress,
            // A resume or retry runs with the recorded options and SSH settings (no secrets), as `fanout resume` does.
            MaxParallel = options?.Parallel,
            ContinueOnError = options?.ContinueOnError ?? false,
            Timeout = recorded?.Timeout,
            Transports = recorded?.Definition.Ssh is { } ssh ? Fanout.Transports.BuiltInTransports.Create(ssh.ToOptions(), _time) : null,
            ConfirmRerun = confirmRerun ? (_, _) => Task.FromResult(true) : null,
            // Clustered: fan-out steps lease their targets to the workers, over the run's recorded inventory and SSH settings.
            TargetDispatcher = request.Definition is { } definition ? _distributor.ForWorkflow(RunDefinition.FromJson(definition)) : null,
        });
        if (check)
        {
            IReadOnlyList<string> problems = await runner.CheckAsync(request, cancellationToken);
            if (problems.Count > 0)
            {
                return (null, problems);
            }
        }

        if (!request.Resume)
        {
            // Accepted means visible and durable: the new run is in the store (queued) before its 201, so the run page and
            // GET /api/runs/{id} find it at once, and if this server dies before it starts it is interrupted, never unknown.
            await runner.RecordQueuedAsync(request, cancellationToken);
            request = request with { Queued = true };
        }

        // Clustered: from now on, queued or running, another coordinating server resumes the run if this one dies, or takes it
        // over when this one stops while that one runs (StopAsync).
        ICoordinatedRun? coordinated = await _coordination.BeginWorkflowAsync(runId, cancellationToken);
        if (coordinated is not null)
        {
            request = request with { HandedOver = () => _successor is { } successor ? $"{Batches.BatchQueue.HandOverReason}; {successor} coordinates runs" : null };
        }

        _running[runId] = Task.Run(() => RunAsync(runner, request, runId, actor, coordinated), CancellationToken.None);
        return (runId, []);
    }

    /// <summary>The final status of a run this server started, once it ends; null when it is not running here.</summary>
    public Task<RunStatus>? Completion(string runId) => _running.GetValueOrDefault(runId);

    private async Task<RunStatus> RunAsync(WorkflowRunner runner, WorkflowRunRequest request, string runId, string actor, ICoordinatedRun? coordinated)
    {
        await using ICoordinatedRun? coordination = coordinated; // the run ended (or was cancelled, or handed over): see HandOver below
        RunStatus status = RunStatus.Failed;
        DateTimeOffset started = _time.GetUtcNow();
        _audit.Post(new AuditEntry { Timestamp = started, Actor = actor, Action = "workflow.start", BatchId = runId, Detail = request.Workflow.Name });
        string detail;
        try
        {
            WorkflowRunResult result = await _runs.ExecuteWorkflowAsync(runner, request, _stopping.Token);
            status = result.Status;
            detail = result.Status.ToWireName();
            if (status == RunStatus.Interrupted && coordination is not null)
            {
                // Handed over as this server stops: the coordination stays, and the other server takes the run over once this
                // silo has left the cluster.
                coordination.HandOver();
                Log.HandedOver(_logger, runId, _successor ?? "another server");
            }
            if (_store.Workflows is { } workflows)
            {
                _metrics.WorkflowMetricsRecorded(await workflows.GetMetricsAsync(runId, CancellationToken.None));
            }
        }
        catch (Exception e) when (e is FanoutException or IOException or InvalidOperationException)
        {
            detail = "failed: " + e.Message;
            Log.Failed(_logger, runId, e);
        }
        finally
        {
            foreach (string key in _awaiting.Keys.Where(k => k.StartsWith(runId + "\n", StringComparison.Ordinal)))
            {
                _awaiting.TryRemove(key, out _);
            }
        }

        _audit.Post(new AuditEntry { Timestamp = _time.GetUtcNow(), Actor = actor, Action = "workflow.finish", BatchId = runId, DurationMs = (_time.GetUtcNow() - started).TotalMilliseconds, Detail = detail });
        _running.TryRemove(runId, out _);
        return status;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Stops every workflow run: each is cancelled and recorded resumable — except, in a cluster where another server coordinates
    /// runs, the runs coordinated in the cluster: those are handed over (stopped and stored <c>interrupted</c>, their coordination
    /// kept), and the other server takes them over once this silo has left the cluster, as the execution queue hands batches over.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!_running.IsEmpty)
        {
            // A single server (no cluster) has no successor: only coordinated runs ask for one (see LaunchAsync).
            _successor = await _coordination.FindSuccessorAsync(cancellationToken);
        }

        await _stopping.CancelAsync();
        await Task.WhenAll(_running.Values).WaitAsync(cancellationToken);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "Workflow run {RunId} could not run")]
        public static partial void Failed(ILogger logger, string runId, Exception exception);

        [LoggerMessage(2, LogLevel.Warning, "Workflow run {RunId} is handed over because the server is stopping: {Successor} coordinates runs and takes it over once this server has left the cluster")]
        public static partial void HandedOver(ILogger logger, string runId, string successor);
    }
}

/// <summary>A workflow resolved, validated and bound by the run service (or why not, by request field).</summary>
internal sealed record WorkflowPreparation
{
    /// <summary>The run service's preparation (<see cref="RunService.PrepareWorkflow"/>), when it succeeded.</summary>
    public PreparedWorkflow? Prepared { get; init; }

    public WorkflowDefinition? Workflow => Prepared?.Workflow;

    public ParameterBindingResult? Binding => Prepared?.Binding;

    /// <summary>The file as the caller named it (relative to the workflows directory when inside it).</summary>
    public string? File { get; init; }

    public IDictionary<string, string[]> Errors { get; init; } = new Dictionary<string, string[]>();

    public IReadOnlyList<DiagnosticDocument> Diagnostics { get; init; } = [];
}
