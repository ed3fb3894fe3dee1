using System.Text;
using Fanout.Documents;
using Fanout.Runs;
using Fanout.Security;
using Fanout.Server.Audit;
using Fanout.Server.Auth;
using Fanout.Server.Batches;
using Fanout.Server.Http;
using Fanout.Server.Observability;
using Fanout.Server.Workflows;

namespace Fanout.Server.Runs;

/// <summary>SPEC A4 runs: history, show, logs, export (JSON/CSV, the X9 shape), retry and resume — over the same store as the CLI.</summary>
internal static class RunEndpoints
{
    private static readonly string[] RetrySelections = ["all-unsuccessful", "failed", "not-run", "unreachable"];

    public static void Map(IEndpointRouteBuilder app)
    {
        RouteGroupBuilder group = app.MapGroup("/api/runs").WithTags("Runs");
        var viewer = new RequiresRoleAttribute(ApiRole.Viewer);
        var operatorRole = new RequiresRoleAttribute(ApiRole.Operator);
        group.MapGet("/", HistoryAsync).WithName("ListRuns").Produces<HistoryDocument>().ProducesValidationProblem().WithMetadata(viewer);
        group.MapGet("/{id}", ShowAsync).WithName("GetRun").Produces<ResultDocument>().ProducesProblem(404).WithMetadata(viewer);
        group.MapGet("/{id}/logs", LogsAsync).WithName("GetRunLogs").Produces<LogsDocument>().ProducesProblem(404).WithMetadata(viewer);
        group.MapGet("/{id}/export", ExportAsync).WithName("ExportRun")
            .Produces<ResultDocument>(200, "application/json", "text/csv").ProducesValidationProblem().ProducesProblem(404).WithMetadata(viewer);
        group.MapPost("/{id}/retry", RetryAsync).WithName("RetryRun").AcceptsJson<ContinueBody>(optional: true)
            .Produces<BatchCreated>(201).ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409).ProducesProblem(429).WithMetadata(operatorRole);
        group.MapPost("/{id}/cancel", CancelAsync).WithName("CancelRun")
            .Produces<RunCancelled>(202).ProducesProblem(404).ProducesProblem(409).WithMetadata(operatorRole);
        group.MapPost("/{id}/resume", ResumeAsync).WithName("ResumeRun").AcceptsJson<ContinueBody>(optional: true)
            .Produces<BatchCreated>(202).ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409).ProducesProblem(429).WithMetadata(operatorRole);
    }

    private static async Task<IResult> HistoryAsync(int? limit, string? status, string? kind, string? name, IRunStore store, CancellationToken cancellationToken)
    {
        var errors = new Problems.ErrorSet();
        RunStatus? parsed = null;
        if (status is not null && (parsed = RunStatusExtensions.TryParseWireName(status)) is null)
        {
            errors.Add("status", $"unknown status '{status}': expected running, succeeded, failed, cancelled, interrupted, awaiting-approval or queued");
        }

        if (kind is not null && !RunKinds.IsKnown(kind))
        {
            errors.Add("kind", RunKinds.Unknown(kind));
        }

        if (limit is < 1 or > 10_000)
        {
            errors.Add("limit", $"limit must be between 1 and 10000 (got {limit})");
        }

        if (errors.Any)
        {
            return Problems.Validation(errors.ToDictionary());
        }

        IReadOnlyList<RunRecord> runs = await store.QueryRunsAsync(new RunQuery { Limit = limit ?? 20, Status = parsed, Kind = kind, Name = name }, cancellationToken);
        return Results.Ok(HistoryDocument.From(runs));
    }

    private static async Task<IResult> ShowAsync(string id, IRunStore store, CancellationToken cancellationToken) =>
        await ResultDocuments.LoadAsync(store, id, withRunFields: true, cancellationToken) is { } document ? Results.Ok(document) : Problems.NotFound($"no run with id '{id}'");

    private static async Task<IResult> LogsAsync(string id, string? target, IRunStore store, CancellationToken cancellationToken)
    {
        if (await store.GetRunAsync(id, cancellationToken) is null)
        {
            return Problems.NotFound($"no run with id '{id}'");
        }

        IReadOnlyList<TargetAttemptRecord> attempts = await store.GetAttemptsAsync(id, new AttemptQuery { Target = target }, cancellationToken);
        return Results.Ok(new LogsDocument(id, [.. attempts.Where(a => a.Attempt > 0).Select(a => new LogEntry(a.Target, a.Attempt, a.State.ToWireName(), a.ExitCode,
            a.StartedAt, a.EndedAt, StoredResults.ReadFull(a.Stdout, a.StdoutLog), StoredResults.ReadFull(a.Stderr, a.StderrLog), a.Error))]));
    }

    private static async Task<IResult> ExportAsync(string id, string? format, int? wave, IRunStore store, CancellationToken cancellationToken)
    {
        var errors = new Problems.ErrorSet();
        if (format is not (null or "json" or "csv"))
        {
            errors.Add("format", $"unknown format '{format}': expected json or csv");
        }

        if (wave is < 1)
        {
            errors.Add("wave", $"wave must be 1 or more (got {wave})");
        }

        if (errors.Any)
        {
            return Problems.Validation(errors.ToDictionary());
        }

        if (await ResultDocuments.LoadAsync(store, id, withRunFields: false, cancellationToken) is not { } document)
        {
            return Problems.NotFound($"no run with id '{id}'");
        }

        string name = id;
        if (wave is { } w)
        {
            // One batch's results: the same document with only that wave's targets, counted alone.
            if (w > document.WaveCount)
            {
                return Problems.Validation("wave", $"run {id} has {document.WaveCount} wave{(document.WaveCount == 1 ? "" : "s")}: there is no wave {w}");
            }

            ResultTarget[] targets = [.. document.Targets.Where(t => t.Wave == w)];
            document = document with { Targets = targets, Summary = ResultDocuments.Summarize(targets, live: document.EndedAt is null) };
            name = $"{id}-batch-{w}";
        }

        // The bytes of `fanout export` (one writer for every surface).
        return format == "csv"
            ? Results.File(Encoding.UTF8.GetBytes(DocumentWriter.ToCsv(document)), "text/csv; charset=utf-8", $"{name}.csv")
            : Results.File(Encoding.UTF8.GetBytes(DocumentWriter.ToJson(document)), "application/json", $"{name}.json");
    }

    private static async Task<IResult> RetryAsync(string id, string? select, HttpContext http, RunService runs, BatchQueue queue, AuditLog audit,
        ServerMetrics metrics, TimeProvider time, WorkflowRunService workflows, IRunStore store, CancellationToken cancellationToken)
    {
        RetrySelection selection = select switch
        {
            null or "all-unsuccessful" => RetrySelection.AllUnsuccessful,
            "failed" => RetrySelection.Failed,
            "not-run" => RetrySelection.NotRun,
            "unreachable" => RetrySelection.Unreachable,
            _ => (RetrySelection)(-1),
        };
        if ((int)selection < 0)
        {
            return Problems.Validation("select", $"unknown selection '{select}': expected {string.Join(", ", RetrySelections)}");
        }

        (RunOverrides? overrides, IResult? invalid) = await ContinueBody.ReadAsync(http, (await store.GetRunAsync(id, cancellationToken))?.Kind, cancellationToken);
        if (invalid is not null)
        {
            return invalid;
        }

        ContinuationPlan plan = await runs.PlanRetryAsync(id, selection, overrides, cancellationToken);
        return plan.WorkflowRequest is not null
            ? await StartWorkflowAsync(plan, id, "run.retry", http, workflows, audit, store, confirmRerun: false, cancellationToken)
            : await EnqueueAsync(plan, id, "run.retry", http, queue, audit, metrics, time, store, newId: true, cancellationToken);
    }

    private static async Task<IResult> CancelAsync(string id, HttpContext http, BatchQueue queue, IRunStore store, AuditLog audit, CancellationToken cancellationToken)
    {
        RunCancellation outcome = await RunCancellation.RequestAsync(id, Caller.Of(http).Name, queue, store, audit, cancellationToken);
        if (!outcome.Found)
        {
            return Problems.NotFound($"no run with id '{id}'");
        }

        return outcome.Requested
            ? Results.Accepted($"/api/runs/{id}", new RunCancelled(id, outcome.Status, outcome.Cancelled))
            : Problems.Conflict($"run {id} is not running ({outcome.Status}); nothing to cancel");
    }

    private static async Task<IResult> ResumeAsync(string id, bool? confirm, HttpContext http, RunService runs, BatchQueue queue, AuditLog audit,
        ServerMetrics metrics, TimeProvider time, WorkflowRunService workflows, IRunStore store, CancellationToken cancellationToken)
    {
        (RunOverrides? overrides, IResult? invalid) = await ContinueBody.ReadAsync(http, (await store.GetRunAsync(id, cancellationToken))?.Kind, cancellationToken);
        if (invalid is not null)
        {
            return invalid;
        }

        if (queue.Find(id) is not null)
        {
            return Problems.Conflict($"batch {id} is queued or running on this server");
        }

        ContinuationPlan plan = await runs.PlanResumeAsync(id, overrides, cancellationToken);
        return plan.WorkflowRequest is not null
            ? await StartWorkflowAsync(plan, id, "run.resume", http, workflows, audit, store, confirm == true, cancellationToken)
            : await EnqueueAsync(plan, id, "run.resume", http, queue, audit, metrics, time, store, newId: false, cancellationToken);
    }

    /// <summary>
    /// A workflow run's resume (202, the same run id) or retry (201, a new run linked to it) through the workflow engine in the background,
    /// planned by the run service exactly as <c>fanout resume</c> / <c>fanout retry</c> plan it. A secret given inline to the run is not
    /// stored: such a run answers 409 naming it. With <paramref name="confirmRerun"/> (<c>?confirm=true</c>, the CLI's <c>--yes</c>) steps that were
    /// running when the run stopped run again even when not marked idempotent; without it they fail, saying so.
    /// </summary>
    private static async Task<IResult> StartWorkflowAsync(ContinuationPlan plan, string id, string action, HttpContext http, WorkflowRunService workflows, AuditLog audit,
        IRunStore store, bool confirmRerun, CancellationToken cancellationToken)
    {
        Caller caller = Caller.Of(http);
        bool retry = plan.WorkflowRequest!.RetryOf is not null;
        RunRecord? before = null;
        if (!retry && (before = await RequeueAsync(store, id, cancellationToken)) is null)
        {
            return NotResumableNow(id);
        }

        (string? runId, IReadOnlyList<string> problems) = await workflows.ContinueAsync(plan.Workflow!, plan.WorkflowRequest!, caller.Name, confirmRerun, cancellationToken);
        if (runId is null)
        {
            await RestoreAsync(store, before);
            return Problems.Conflict(string.Join("; ", problems));
        }

        await audit.WriteAsync(caller.Name, action, runId, retry ? $"retry of {id} (workflow {plan.Workflow!.Workflow!.Name})" : $"resume of {id} (workflow {plan.Workflow!.Workflow!.Name})", cancellationToken: cancellationToken);
        var body = new BatchCreated(runId, []);
        return retry ? Results.Created($"/api/runs/{runId}", body) : Results.Accepted($"/api/runs/{runId}", body);
    }

    private static async Task<IResult> EnqueueAsync(ContinuationPlan plan, string id, string action, HttpContext http, BatchQueue queue, AuditLog audit,
        ServerMetrics metrics, TimeProvider time, IRunStore store, bool newId, CancellationToken cancellationToken)
    {
        if (plan.Run is null)
        {
            return Problems.NotFound(plan.Error ?? $"no run with id '{id}'");
        }

        if (plan.Workflow is { MissingSecrets.Count: > 0 } missing)
        {
            // Secrets are never stored: the caller gives them again in the body, as `fanout resume --set` does.
            return Problems.Status(StatusCodes.Status409Conflict, "Conflict",
                $"run {id} was given the secret parameter(s) {string.Join(", ", missing.MissingSecrets.Select(m => $"'{m}'"))} inline; secrets are never stored, so give them again "
                + $"({{\"parameters\": {{{string.Join(", ", missing.MissingSecrets.Select(m => $"\"{m}\": …"))}}}}}), or pass secrets as --set-file/--set-env references",
                new Dictionary<string, object?> { ["missingSecrets"] = missing.MissingSecrets });
        }

        if (plan.Error is not null)
        {
            return Problems.Conflict(plan.Error);
        }

        if (plan.Request is not { } request)
        {
            return Problems.Conflict(plan.NothingToDo ?? $"run {id} has nothing to run");
        }

        Caller caller = Caller.Of(http);
        string batchId = newId ? BatchEndpoints.NewBatchId(time) : id;
        request = request with { RunId = batchId, Actor = caller.Name };
        var batch = new BatchState(batchId, caller.Name, request, time.GetUtcNow(), request.Resume?.LastSequence ?? 0, audit, metrics);
        RunRecord? before = null;
        if (!newId && (before = await RequeueAsync(store, id, cancellationToken)) is null)
        {
            return NotResumableNow(id);
        }

        if (!await queue.TryEnqueueAsync(batch, cancellationToken))
        {
            await RestoreAsync(store, before);
            return BatchEndpoints.QueueFull(queue);
        }

        await audit.WriteAsync(caller.Name, action, batchId, newId ? $"retry of {id}" : $"resume of {id}", request.Targets.Count, cancellationToken);
        // Execution ids number the run's whole selection: a resume runs some of its targets, under their own numbers.
        IReadOnlyList<int> ordinals = request.Resume is { } resume
            ? ExecutionOrdinals(resume.Selection, request.Targets)
            : [.. Enumerable.Range(1, request.Targets.Count)];
        var body = new BatchCreated(batchId, [.. ordinals.Select(i => BatchStatusReader.ExecutionId(batchId, i))]);
        return newId ? Results.Created($"/api/executions/batch/{batchId}", body) : Results.Accepted($"/api/executions/batch/{batchId}", body);
    }

    /// <summary>
    /// Accepted means visible: before its 202 a resumed run reads <c>queued</c>, owned by this server, so a client never takes the end it
    /// resumes from for the resume's outcome, and a second resume meanwhile is refused. The run's record as it was, to put back if the
    /// start then fails; null when the run is running, queued or awaiting an approval (or gone).
    /// </summary>
    internal static async Task<RunRecord?> RequeueAsync(IRunStore store, string id, CancellationToken cancellationToken) =>
        await store.GetRunAsync(id, cancellationToken) is { } before
        && await store.RequeueRunAsync(id, Environment.MachineName, Environment.ProcessId, cancellationToken) ? before : null;

    internal static async Task RestoreAsync(IRunStore store, RunRecord? before)
    {
        if (before is not null)
        {
            await store.FinishRunAsync(before.RunId, before.Status, before.EndedAt ?? DateTimeOffset.UtcNow, before.Counts, before.StopReason, CancellationToken.None);
        }
    }

    private static IResult NotResumableNow(string id) => Problems.Conflict($"run {id} is running, queued or awaiting an approval; it cannot be resumed now");

    /// <summary>The 1-based positions of <paramref name="targets"/> in a run's recorded <paramref name="selection"/>.</summary>
    internal static IReadOnlyList<int> ExecutionOrdinals(IReadOnlyList<RunTargetRecord> selection, IReadOnlyList<Fanout.Inventory.Target> targets)
    {
        var ordinal = new Dictionary<string, int>(selection.Count, StringComparer.Ordinal);
        for (int i = 0; i < selection.Count; i++)
        {
            ordinal.TryAdd(selection[i].Target, i + 1);
        }

        return [.. targets.Select(t => ordinal[t.Name])];
    }
}

/// <summary>202 body of <c>POST /api/runs/{id}/cancel</c>: the run stops within about a second (its owner polls the store).</summary>
internal sealed record RunCancelled(string RunId, string Status, int Executions);

/// <summary>Every attempt of a run with its full output.</summary>
internal sealed record LogsDocument(string RunId, IReadOnlyList<LogEntry> Attempts);

/// <summary>One attempt's output.</summary>
internal sealed record LogEntry(string Target, int Attempt, string State, int? ExitCode, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt, string Stdout, string Stderr, string? Error);
