using System.Text.Json;
using System.Text.Json.Serialization;
using Fanout.Runs;
using Fanout.Security;
using Fanout.Server.Audit;
using Fanout.Server.Auth;
using Fanout.Server.Http;
using Fanout.Workflows.Engine;

namespace Fanout.Server.Workflows;

/// <summary>
/// SPEC A4/W14 over HTTP: run a workflow file of the workflows directory in the background, show its plan, and approve or
/// reject a step waiting for manual approval (audited as <c>workflow.approve</c>/<c>workflow.reject</c>).
/// </summary>
internal static class WorkflowRunEndpoints
{
    private static readonly string[] PlanFormats = ["text", "mermaid", "dot"];

    public static void Map(IEndpointRouteBuilder app)
    {
        RouteGroupBuilder workflows = app.MapGroup("/api/workflows").WithTags("Workflows");
        workflows.MapPost("/run", RunAsync).WithName("RunWorkflow")
            .AcceptsJson<WorkflowRunBody>().Produces<WorkflowRunStarted>(StatusCodes.Status201Created).Produces<WorkflowPlanDocument>()
            .ProducesValidationProblem().WithMetadata(new RequiresRoleAttribute(ApiRole.Operator));
        workflows.MapPost("/plan", PlanAsync).WithName("PlanWorkflow")
            .AcceptsJson<WorkflowPlanBody>().Produces<WorkflowPlanDocument>()
            .ProducesValidationProblem().WithMetadata(new RequiresRoleAttribute(ApiRole.Viewer));
        RouteGroupBuilder runs = app.MapGroup("/api/runs").WithTags("Runs");
        runs.MapGet("/{id}/graph", GraphAsync).WithName("GetRunGraph").Produces<WorkflowGraph>().ProducesProblem(StatusCodes.Status404NotFound)
            .WithMetadata(new RequiresRoleAttribute(ApiRole.Viewer));
        runs.MapPost("/{id}/steps/{step}/approve", (string id, string step, HttpContext http, IRunStore store, AuditLog audit, TimeProvider time, ServerOptions options, CancellationToken ct) =>
                DecideAsync(id, step, true, http, store, audit, time, options, ct))
            .WithName("ApproveStep").AcceptsJson<ApprovalBody>(optional: true).Produces<ApprovalDecided>()
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithMetadata(new RequiresRoleAttribute(ApiRole.Operator));
        runs.MapPost("/{id}/steps/{step}/reject", (string id, string step, HttpContext http, IRunStore store, AuditLog audit, TimeProvider time, ServerOptions options, CancellationToken ct) =>
                DecideAsync(id, step, false, http, store, audit, time, options, ct))
            .WithName("RejectStep").AcceptsJson<ApprovalBody>(optional: true).Produces<ApprovalDecided>()
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithMetadata(new RequiresRoleAttribute(ApiRole.Operator));
    }

    /// <summary>400 problem details for a preparation that failed: the field errors plus every diagnostic with its position.</summary>
    public static IResult Invalid(WorkflowPreparation prepared) =>
        Problems.Validation(prepared.Errors, prepared.Diagnostics.Count == 0 ? null : new Dictionary<string, object?> { ["diagnostics"] = prepared.Diagnostics });

    private static async Task<IResult> RunAsync(HttpContext http, WorkflowRunService service, AuditLog audit, ServerPaths paths, CancellationToken cancellationToken)
    {
        (WorkflowRunBody? body, IResult? problem) = await JsonBody.ReadAsync<WorkflowRunBody>(http.Request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        WorkflowPreparation prepared = service.Prepare(body!.File, body.Parameters, body.Environment);
        if (prepared.Workflow is null)
        {
            return Invalid(prepared);
        }

        if (body.DryRun == true)
        {
            return Results.Ok(new WorkflowPlanDocument(prepared.Workflow.Name, "text", paths.Relative(WorkflowRunService.Plan(prepared, "text"))));
        }

        Caller caller = Caller.Of(http);
        (string? runId, IReadOnlyList<string> problems) = await service.StartAsync(prepared, caller.Name, cancellationToken);
        if (runId is null)
        {
            return Problems.Validation("workflow", string.Join("; ", problems), new Dictionary<string, object?> { ["problems"] = problems });
        }

        await audit.WriteAsync(caller.Name, "workflow.run", runId, $"workflow {prepared.Workflow.Name} ({prepared.File})", cancellationToken: cancellationToken);
        return Results.Created($"/api/runs/{runId}", new WorkflowRunStarted(runId, prepared.Workflow.Name));
    }

    private static async Task<IResult> GraphAsync(string id, IRunStore store, CancellationToken cancellationToken)
    {
        if (await store.GetRunAsync(id, cancellationToken) is not { } run)
        {
            return Problems.NotFound($"no run with id '{id}'");
        }

        return await WorkflowGraphs.ForRunAsync(store, run, cancellationToken) is { } graph
            ? Results.Ok(graph)
            : Problems.NotFound($"run {id} is a {run.Kind} run: only workflow runs have a step graph");
    }

    private static async Task<IResult> PlanAsync(HttpContext http, WorkflowRunService service, ServerPaths paths, CancellationToken cancellationToken)
    {
        (WorkflowPlanBody? body, IResult? problem) = await JsonBody.ReadAsync<WorkflowPlanBody>(http.Request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        string format = body!.Format ?? "text";
        if (!PlanFormats.Contains(format))
        {
            return Problems.Validation("format", $"unknown plan format '{format}': expected text, mermaid or dot");
        }

        WorkflowPreparation prepared = service.Prepare(body.File, body.Parameters, body.Environment);
        return prepared.Workflow is null ? Invalid(prepared) : Results.Ok(new WorkflowPlanDocument(prepared.Workflow.Name, format, paths.Relative(WorkflowRunService.Plan(prepared, format))));
    }

    private static async Task<IResult> DecideAsync(string id, string step, bool approve, HttpContext http, IRunStore store, AuditLog audit, TimeProvider time,
        ServerOptions options, CancellationToken cancellationToken)
    {
        ApprovalBody? body = null;
        if (http.Request.ContentLength is > 0 || http.Request.Headers.ContentType.Count > 0)
        {
            (body, IResult? problem) = await JsonBody.ReadAsync<ApprovalBody>(http.Request, cancellationToken);
            if (problem is not null)
            {
                return problem;
            }
        }

        step = Uri.UnescapeDataString(step);
        if (store.Workflows is not { } workflows || await store.GetRunAsync(id, cancellationToken) is not { } run)
        {
            return Problems.NotFound($"no run with id '{id}'");
        }

        IReadOnlyList<ApprovalRecord> approvals = await workflows.GetApprovalsAsync(id, cancellationToken);
        ApprovalRecord? match = approvals.FirstOrDefault(a => a.Step == step)
            ?? approvals.FirstOrDefault(a => a.Step.EndsWith("/" + step, StringComparison.Ordinal) && a.Status == "pending");
        if (match is null)
        {
            return Problems.NotFound($"run {id} has no step '{step}' waiting for approval ({(approvals.Count == 0 ? "it has none" : string.Join(", ", approvals.Select(a => $"{a.Step} ({a.Status})")))})");
        }

        if (match.Status != "pending")
        {
            return Problems.Conflict($"step '{match.Step}' of run {id} is not awaiting approval: it was already {match.Status} by {match.Actor}");
        }

        Caller caller = Caller.Of(http);
        string verb = approve ? "approve" : "reject";
        // Separation of duties: the caller who started the run may not approve its gates (rejecting stays possible).
        if (approve && ApprovalPolicy.SelfApprovalRefusal(run, caller.Name, options.RequireDistinctApprover) is { } refusal)
        {
            return Problems.Forbidden(refusal);
        }

        bool distinct = options.RequireDistinctApprover || ApprovalPolicy.RequiresDistinctApprover(run);

        if (!await workflows.DecideApprovalAsync(id, match.Step, approve, caller.Name, body?.Comment, time.GetUtcNow(), cancellationToken))
        {
            return Problems.Conflict($"step '{match.Step}' of run {id} was decided meanwhile");
        }

        string duties = distinct ? $" (started by {run.Actor}, {verb}d by {caller.Name}: distinct approver)" : string.Empty;
        await audit.WriteAsync(caller.Name, "workflow." + verb, id,
            $"step {match.Step}{duties}{(string.IsNullOrWhiteSpace(body?.Comment) ? string.Empty : ": " + body.Comment)}", cancellationToken: cancellationToken);
        return Results.Ok(new ApprovalDecided(id, match.Step, approve ? "approved" : "rejected", caller.Name, body?.Comment));
    }
}

/// <summary>Body of <c>POST /api/workflows/run</c>: a file of the workflows directory, parameter values, the environment, and dryRun (answer the plan, run nothing).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record WorkflowRunBody(string? File, Dictionary<string, JsonElement>? Parameters, string? Environment, bool? DryRun);

/// <summary>Body of <c>POST /api/workflows/plan</c>; format is text (default), mermaid or dot.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record WorkflowPlanBody(string? File, Dictionary<string, JsonElement>? Parameters, string? Environment, string? Format);

/// <summary>Body of the approve and reject requests (optional).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record ApprovalBody(string? Comment);

/// <summary>201 body of <c>POST /api/workflows/run</c>; the run is at <c>/api/runs/{runId}</c>.</summary>
internal sealed record WorkflowRunStarted(string RunId, string Workflow);

/// <summary>A workflow's plan rendered as text, mermaid or dot.</summary>
internal sealed record WorkflowPlanDocument(string Workflow, string Format, string Plan);

/// <summary>The recorded decision.</summary>
internal sealed record ApprovalDecided(string RunId, string Step, string Decision, string Actor, string? Comment);
