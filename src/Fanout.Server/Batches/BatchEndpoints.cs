using Fanout.Documents;
using Fanout.Inventory;
using Fanout.Runs;
using Fanout.Security;
using Fanout.Server.Audit;
using Fanout.Server.Auth;
using Fanout.Server.Http;
using Fanout.Server.Inventory;
using Fanout.Server.Observability;
using Fanout.Server.Runs;
using Fanout.Server.Workflows;

namespace Fanout.Server.Batches;

/// <summary>SPEC A1–A3: create a batch, read its status page, stream its events, cancel it.</summary>
internal static class BatchEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        RouteGroupBuilder group = app.MapGroup("/api/executions/batch").WithTags("Batches");
        group.MapPost("/", CreateAsync).WithName("CreateBatch")
            .AcceptsJson<BatchRequest>()
            .Produces<BatchCreated>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithMetadata(new RequiresRoleAttribute(ApiRole.Operator));
        group.MapGet("/{id}", StatusAsync).WithName("GetBatch")
            .Produces<BatchStatusDocument>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithMetadata(new RequiresRoleAttribute(ApiRole.Viewer));
        group.MapGet("/{id}/events", EventsAsync).WithName("StreamBatchEvents").WithMetadata(new QueryParametersAttribute("lastEventId", typeof(long)))
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithMetadata(new RequiresRoleAttribute(ApiRole.Viewer));
        group.MapPost("/{id}/stop-after-batch", StopAfterBatchAsync).WithName("StopBatchAfterWave")
            .Produces<BatchStopping>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithMetadata(new RequiresRoleAttribute(ApiRole.Operator));
        group.MapPost("/{id}/cancel", CancelAsync).WithName("CancelBatch")
            .Produces<BatchCancelled>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithMetadata(new RequiresRoleAttribute(ApiRole.Operator));
    }

    /// <summary>
    /// Why a run asking for workers with <paramref name="labels"/> cannot be accepted: this server is not a silo of a cluster,
    /// or no live worker has them all (a mistyped label would otherwise leave the targets waiting until they time out). Workers
    /// that die after the run was accepted make its targets wait for a matching worker, as for any worker.
    /// </summary>
    internal static async Task<string?> WorkerLabelsProblemAsync(IReadOnlyDictionary<string, string> labels, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (services.GetService<Fanout.Cluster.Dispatch.WorkerDirectory>() is not { } workers)
        {
            return "this server is not part of a cluster (fanout serve --role api|all with a PostgreSQL store): its targets run here, on no worker";
        }

        return await workers.AnyLiveAsync(labels, cancellationToken)
            ? null
            : $"no live worker has the labels {WorkerLabels.Format(labels)} (see GET /api/cluster; start one with fanout worker --labels {WorkerLabels.Format(labels)})";
    }

    /// <summary>A new batch id: sortable by time like CLI run ids, with 32 random bits so concurrent clients never collide.</summary>
    public static string NewBatchId(TimeProvider time) => RunIds.New(time);

    private static async Task<IResult> CreateAsync(HttpContext http, InventoryCache inventory, ServerOptions options, BatchQueue queue,
        AuditLog audit, ServerMetrics metrics, TimeProvider time, WorkflowRunService workflows, IServiceProvider services, CancellationToken cancellationToken)
    {
        (BatchRequest? request, IResult? problem) = await JsonBody.ReadAsync<BatchRequest>(http.Request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (request!.Action is { Type: "workflow" } workflowAction)
        {
            return await CreateWorkflowAsync(http, request, workflowAction, workflows, audit, cancellationToken);
        }

        Fanout.Inventory.Inventory current;
        try
        {
            current = await inventory.GetAsync(cancellationToken);
        }
        catch (InventoryException e)
        {
            return Results.Problem(detail: $"the server's inventory cannot be loaded: {e.Message}", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Inventory unavailable");
        }

        var errors = new Problems.ErrorSet();
        BatchPlan? plan = BatchPlanner.Plan(request!, current, options, inventory.Sources, errors, out IReadOnlyList<string> unknownNodes, out IReadOnlyList<string> unknownGroups);
        if (plan is null)
        {
            var extensions = new Dictionary<string, object?>();
            // At most the first 100 unknown ids are listed; the counts give the whole number.
            if (unknownNodes.Count > 0)
            {
                extensions["unknownNodeIds"] = unknownNodes.Take(BatchPlanner.MaxListedIds).ToList();
                extensions["unknownNodeIdCount"] = unknownNodes.Count;
            }

            if (unknownGroups.Count > 0)
            {
                extensions["unknownGroupIds"] = unknownGroups.Take(BatchPlanner.MaxListedIds).ToList();
                extensions["unknownGroupIdCount"] = unknownGroups.Count;
            }

            return Problems.Validation(errors.ToDictionary(), extensions);
        }

        if (plan.Definition?.WorkerLabels is { } wanted && await WorkerLabelsProblemAsync(wanted, services, cancellationToken) is { } labelProblem)
        {
            errors.Add("options.workerLabels", labelProblem);
            return Problems.Validation(errors.ToDictionary());
        }

        Caller caller = Caller.Of(http);
        string batchId = NewBatchId(time);
        var run = new RunRequest
        {
            RunId = batchId,
            Operation = plan.Operation,
            Targets = plan.Targets,
            Options = plan.Options,
            Definition = plan.Definition,
            Actor = caller.Name,
            Kind = plan.Definition?.Kind ?? "exec", // the same kinds as the CLI's: sync, lifecycle (a task), device (commands)…
        };
        var batch = new BatchState(batchId, caller.Name, run, time.GetUtcNow(), 0, audit, metrics);
        if (!await queue.TryEnqueueAsync(batch, cancellationToken))
        {
            return QueueFull(queue);
        }

        await audit.WriteAsync(caller.Name, "batch.create", batchId, $"{plan.ActionType}: {plan.ActionSummary}", plan.Targets.Count, cancellationToken);
        var ids = Enumerable.Range(1, plan.Targets.Count).Select(i => BatchStatusReader.ExecutionId(batchId, i)).ToList();
        return Results.Created($"/api/executions/batch/{batchId}", new BatchCreated(batchId, ids));
    }

    /// <summary>
    /// A workflow batch: <c>action.value</c> names the workflow file, <c>action.parameters</c> its parameter values. It runs
    /// like <c>POST /api/workflows/run</c>; its steps select their own targets, so the batch names none.
    /// </summary>
    private static async Task<IResult> CreateWorkflowAsync(HttpContext http, BatchRequest request, ActionRequest action, WorkflowRunService workflows, AuditLog audit, CancellationToken cancellationToken)
    {
        if (request.TargetNodeIds is not null || request.TargetGroupIds is not null || request.Selector is not null || request.Options is not null)
        {
            return Problems.Validation("action.type", "a workflow batch selects its targets in the workflow's steps (targets:): leave targetNodeIds, targetGroupIds, selector and options out");
        }

        WorkflowPreparation prepared = workflows.Prepare(action.Value, action.Parameters, environment: null, field: "action.value", parametersField: "action.parameters");
        if (prepared.Workflow is null)
        {
            return WorkflowRunEndpoints.Invalid(prepared);
        }

        Caller caller = Caller.Of(http);
        (string? runId, IReadOnlyList<string> problems) = await workflows.StartAsync(prepared, caller.Name, cancellationToken);
        if (runId is null)
        {
            return Problems.Validation("action.value", string.Join("; ", problems), new Dictionary<string, object?> { ["problems"] = problems });
        }

        await audit.WriteAsync(caller.Name, "batch.create", runId, $"workflow: {prepared.Workflow.Name} ({prepared.File})", cancellationToken: cancellationToken);
        return Results.Created($"/api/runs/{runId}", new BatchCreated(runId, []));
    }

    /// <summary>429 with the queue status, or 503 while the server stops.</summary>
    public static IResult QueueFull(BatchQueue queue) => queue.IsStopping
        ? Results.Problem(detail: "the server is shutting down", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Shutting down")
        : Problems.WithRetryAfter(Results.Problem(detail: $"the execution queue is full ({queue.Depth} of {queue.Capacity} batches waiting, {queue.RunningCount} running); retry later",
            statusCode: StatusCodes.Status429TooManyRequests, title: "Execution queue full",
            extensions: new Dictionary<string, object?> { ["queue"] = new QueueStatus(queue.Depth, queue.Capacity, queue.RunningCount) }), QueueRetryAfterSeconds);

    /// <summary>The <c>Retry-After</c> of a queue-full 429, in seconds.</summary>
    public const int QueueRetryAfterSeconds = 5;

    private static async Task<IResult> StatusAsync(string id, string? status, int? page, int? pageSize, BatchStatusReader reader, InventoryCache inventory, ServerOptions options, CancellationToken cancellationToken)
    {
        var errors = new Problems.ErrorSet();
        HashSet<string>? states = null;
        if (status is not null)
        {
            states = [.. status.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];
            foreach (string s in states.Where(s => !StateCounts.States.Contains(s)))
            {
                errors.Add("status", $"unknown state '{s}': expected {string.Join(", ", StateCounts.States)}");
            }
        }

        Paging.Check(page, pageSize, options, errors);
        if (errors.Any)
        {
            return Problems.Validation(errors.ToDictionary());
        }

        BatchStatusDocument? document = await reader.ReadAsync(id, states, page ?? 1, pageSize ?? Paging.DefaultPageSize, cancellationToken);
        if (document is null)
        {
            return Problems.NotFound($"no batch with id '{id}'");
        }

        Func<string, ConnectionDocument?> connection = await TargetConnections.ResolverAsync(inventory, cancellationToken);
        return Results.Ok(document with { Executions = [.. document.Executions.Select(e => e with { Connection = connection(e.NodeId) })] });
    }

    private static Task EventsAsync(string id, HttpContext http, BatchEventStream stream, CancellationToken cancellationToken) =>
        stream.WriteAsync(id, http, cancellationToken);

    /// <summary>"Stop after this batch" (seeds/002): the running wave finishes, later waves do not start; the run ends cancelled and resumable.</summary>
    private static async Task<IResult> StopAfterBatchAsync(string id, HttpContext http, BatchQueue queue, IRunStore store, AuditLog audit, CancellationToken cancellationToken)
    {
        Caller caller = Caller.Of(http);
        if (queue.Find(id) is { } batch)
        {
            if (!batch.RequestStopAfterWave())
            {
                return Problems.Conflict($"batch {id} has already ended or is being cancelled");
            }

            await audit.WriteAsync(caller.Name, "batch.stop-after-wave", id, "stop after the current batch", cancellationToken: cancellationToken);
            return Results.Accepted($"/api/executions/batch/{id}", new BatchStopping(id, true));
        }

        return await store.GetRunAsync(id, cancellationToken) is { } run
            ? Problems.Conflict(run.Status == RunStatus.Running
                ? $"run {id} is running in another process (pid {run.OwnerPid} on {run.OwnerHost}); stop it there"
                : $"batch {id} has already ended ({run.Status.ToWireName()})")
            : Problems.NotFound($"no batch with id '{id}'");
    }

    private static async Task<IResult> CancelAsync(string id, HttpContext http, BatchQueue queue, IRunStore store, AuditLog audit, CancellationToken cancellationToken)
    {
        RunCancellation outcome = await RunCancellation.RequestAsync(id, Caller.Of(http).Name, queue, store, audit, cancellationToken);
        return outcome.Found ? Results.Ok(new BatchCancelled(id, outcome.Cancelled)) : Problems.NotFound($"no batch with id '{id}'");
    }
}

/// <summary>201 body of <c>POST /api/executions/batch</c>.</summary>
internal sealed record BatchCreated(string BatchId, IReadOnlyList<string> ExecutionIds);

/// <summary>Body of <c>POST /api/executions/batch/{id}/cancel</c>: how many target executions were cancelled.</summary>
internal sealed record BatchCancelled(string BatchId, int Cancelled);

/// <summary>Body of <c>POST /api/executions/batch/{id}/stop-after-batch</c>.</summary>
internal sealed record BatchStopping(string BatchId, bool StopAfterWave);

/// <summary>The queue status sent with a 429.</summary>
internal sealed record QueueStatus(int Queued, int Capacity, int Running);
