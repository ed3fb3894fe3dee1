using System.Text.RegularExpressions;
using Fanout.Inventory;
using Fanout.Runs;
using Fanout.Security;
using Fanout.Server.Audit;
using Fanout.Server.Auth;
using Fanout.Server.Batches;
using Fanout.Server.Http;
using Fanout.Server.Inventory;
using Fanout.Server.Workflows;

namespace Fanout.Server.Schedules;

/// <summary>
/// SPEC A4/H5 schedules: list (viewer); add, update (cron, time zone, overlap), pause, resume, run now and cancel (admin).
/// Schedules are fired by the scheduler loop inside the server; "run now" fires through the same scheduler (same overlap rule).
/// </summary>
internal static partial class ScheduleEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        RouteGroupBuilder group = app.MapGroup("/api/schedules").WithTags("Schedules");
        group.MapGet("/", ListAsync).WithName("ListSchedules").Produces<ScheduleList>().WithMetadata(new RequiresRoleAttribute(ApiRole.Viewer));
        group.MapPost("/", AddAsync).WithName("AddSchedule").AcceptsJson<ScheduleRequest>()
            .Produces<ScheduleDocument>(201).ProducesValidationProblem().ProducesProblem(409).WithMetadata(new RequiresRoleAttribute(ApiRole.Admin));
        group.MapDelete("/{name}", CancelAsync).WithName("CancelSchedule").Produces(204).ProducesProblem(404).WithMetadata(new RequiresRoleAttribute(ApiRole.Admin));
        group.MapPatch("/{name}", UpdateAsync).WithName("UpdateSchedule").AcceptsJson<ScheduleUpdate>()
            .Produces<ScheduleDocument>().ProducesValidationProblem().ProducesProblem(404).WithMetadata(new RequiresRoleAttribute(ApiRole.Admin));
        group.MapPost("/{name}/pause", (string name, HttpContext http, IRunStore store, AuditLog audit, TimeProvider time, CancellationToken ct) =>
                SetPausedAsync(name, true, http, store, audit, time, ct))
            .WithName("PauseSchedule").Produces<ScheduleDocument>().ProducesProblem(404).WithMetadata(new RequiresRoleAttribute(ApiRole.Admin));
        group.MapPost("/{name}/resume", (string name, HttpContext http, IRunStore store, AuditLog audit, TimeProvider time, CancellationToken ct) =>
                SetPausedAsync(name, false, http, store, audit, time, ct))
            .WithName("ResumeSchedule").Produces<ScheduleDocument>().ProducesProblem(404).WithMetadata(new RequiresRoleAttribute(ApiRole.Admin));
        group.MapPost("/{name}/run", RunNowAsync).WithName("RunSchedule")
            .Produces<ScheduleFired>(202).ProducesProblem(404).ProducesProblem(409).WithMetadata(new RequiresRoleAttribute(ApiRole.Admin));
    }

    private static async Task<ScheduleRecord?> FindAsync(IRunStore store, string name, CancellationToken cancellationToken) =>
        (await store.GetSchedulesAsync(cancellationToken)).FirstOrDefault(s => s.Name == name);

    private static async Task<IResult> UpdateAsync(string name, HttpContext http, IRunStore store, AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        (ScheduleUpdate? body, IResult? problem) = await JsonBody.ReadAsync<ScheduleUpdate>(http.Request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (await FindAsync(store, name, cancellationToken) is not { } current)
        {
            return Problems.NotFound($"no schedule named '{name}'");
        }

        var errors = new Problems.ErrorSet();
        string cron = body!.Cron ?? current.Cron;
        string zone = body.TimeZone ?? current.TimeZone;
        if (string.IsNullOrWhiteSpace(cron))
        {
            errors.Add("cron", "cron must not be empty, e.g. \"0 2 * * 0\"");
        }
        else
        {
            foreach (string e in CronSchedule.Validate(cron, zone))
            {
                errors.Add(e.Contains("zone", StringComparison.OrdinalIgnoreCase) ? "timeZone" : "cron", e);
            }
        }

        if (errors.Any)
        {
            return Problems.Validation(errors.ToDictionary());
        }

        ScheduleRecord updated = current with { Cron = cron, TimeZone = zone, AllowOverlap = body.AllowOverlap ?? current.AllowOverlap };
        if (!await store.UpdateScheduleAsync(updated, cancellationToken))
        {
            return Problems.NotFound($"no schedule named '{name}'");
        }

        await audit.WriteAsync(Caller.Of(http).Name, "schedule.update", null, $"{name}: {cron} ({zone}){(updated.AllowOverlap ? " overlap allowed" : "")}", cancellationToken: cancellationToken);
        return Results.Ok(ToDocument(updated, time));
    }

    /// <summary>Pauses or resumes a schedule. Pausing a paused schedule (or resuming an active one) changes nothing and answers the same.</summary>
    private static async Task<IResult> SetPausedAsync(string name, bool pause, HttpContext http, IRunStore store, AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await FindAsync(store, name, cancellationToken) is not { } current)
        {
            return Problems.NotFound($"no schedule named '{name}'");
        }

        if ((current.PausedAt is not null) == pause)
        {
            return Results.Ok(ToDocument(current, time));
        }

        DateTimeOffset now = time.GetUtcNow();
        // A resumed schedule fires at its next occurrence after the resume: fires missed while paused are not caught up.
        ScheduleRecord updated = pause ? current with { PausedAt = now } : current with { PausedAt = null, ResumedAt = now };
        if (!await store.UpdateScheduleAsync(updated, cancellationToken))
        {
            return Problems.NotFound($"no schedule named '{name}'");
        }

        await audit.WriteAsync(Caller.Of(http).Name, pause ? "schedule.pause" : "schedule.resume", null, name, cancellationToken: cancellationToken);
        return Results.Ok(ToDocument(updated, time));
    }

    /// <summary>Fires a schedule now (also a paused one); 409 while its previous run still runs and it may not overlap.</summary>
    private static async Task<IResult> RunNowAsync(string name, HttpContext http, IRunStore store, Scheduler scheduler, AuditLog audit, IHostApplicationLifetime lifetime, CancellationToken cancellationToken)
    {
        if (await FindAsync(store, name, cancellationToken) is not { } schedule)
        {
            return Problems.NotFound($"no schedule named '{name}'");
        }

        // The run belongs to the server, not to this request: it goes on when the client disconnects, and stops with the server.
        ScheduleLaunchResult? fired = await scheduler.FireNowAsync(schedule, lifetime.ApplicationStopping).WaitAsync(cancellationToken);
        if (fired is null)
        {
            return Problems.Conflict($"schedule '{name}' is still running its previous run and does not allow overlap");
        }

        await audit.WriteAsync(Caller.Of(http).Name, "schedule.run", fired.RunId, $"{name}: {fired.Result}", cancellationToken: cancellationToken);
        return Results.Json(new ScheduleFired(name, fired.RunId, fired.Result), statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> ListAsync(IRunStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        IReadOnlyList<ScheduleRecord> schedules = await store.GetSchedulesAsync(cancellationToken);
        return Results.Ok(new ScheduleList([.. schedules.Select(s => ToDocument(s, time))]));
    }

    private static async Task<IResult> AddAsync(HttpContext http, IRunStore store, InventoryCache inventory, ServerOptions options, AuditLog audit, TimeProvider time,
        WorkflowRunService workflows, CancellationToken cancellationToken)
    {
        (ScheduleRequest? body, IResult? problem) = await JsonBody.ReadAsync<ScheduleRequest>(http.Request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new Problems.ErrorSet();
        string zone = body!.TimeZone ?? "UTC";
        if (string.IsNullOrWhiteSpace(body.Cron))
        {
            errors.Add("cron", "cron is required, e.g. \"0 2 * * 0\"");
        }
        else
        {
            foreach (string e in CronSchedule.Validate(body.Cron, zone))
            {
                errors.Add(e.Contains("zone", StringComparison.OrdinalIgnoreCase) ? "timeZone" : "cron", e);
            }
        }

        if (body.Name is { } n && !NamePattern().IsMatch(n))
        {
            errors.Add("name", $"schedule name '{n}' must be 1–100 letters, digits, '.', '_' or '-'");
        }

        if (body.Action is { Type: "workflow" } workflow)
        {
            return await AddWorkflowAsync(http, body, workflow, errors, store, options, audit, time, workflows, cancellationToken);
        }

        if (body.Environment is not null)
        {
            errors.Add("environment", "environment applies to workflow schedules (action.type workflow)");
        }

        Fanout.Inventory.Inventory current;
        try
        {
            current = await inventory.GetAsync(cancellationToken);
        }
        catch (InventoryException e)
        {
            return Results.Problem(detail: $"the server's inventory cannot be loaded: {e.Message}", statusCode: 503, title: "Inventory unavailable");
        }

        var batch = new BatchRequest { TargetNodeIds = body.TargetNodeIds, TargetGroupIds = body.TargetGroupIds, Selector = body.Selector, Action = body.Action, Options = body.Options };
        BatchPlan? plan = BatchPlanner.Plan(batch, current, options, inventory.Sources, errors, out _, out _);
        if (errors.Any || plan?.Definition is null)
        {
            return Problems.Validation(errors.ToDictionary());
        }

        if (plan.Definition.WorkerLabels is not null && http.RequestServices.GetService<Fanout.Cluster.Dispatch.WorkerDirectory>() is null)
        {
            // Whether a matching worker is alive is checked when the schedule fires (its targets wait for one), not now.
            return Problems.Validation("options.workerLabels", "this server is not part of a cluster (fanout serve --role api|all with a PostgreSQL store): its schedules run here, on no worker");
        }

        var schedule = new ScheduleRecord
        {
            Name = body.Name ?? CronSchedule.DefaultName(plan.Definition.Kind, null, body.Cron!),
            Kind = plan.Definition.Kind,
            Definition = plan.Definition.ToJson(),
            Cron = body.Cron!,
            TimeZone = zone,
            Selectors = plan.Definition.SelectionJson(),
            Options = plan.Definition.OptionsJson(),
            AllowOverlap = body.AllowOverlap ?? false,
            CreatedAt = time.GetUtcNow(),
        };
        if (!await store.AddScheduleAsync(schedule, cancellationToken))
        {
            return Problems.Conflict($"a schedule named '{schedule.Name}' exists");
        }

        await audit.WriteAsync(Caller.Of(http).Name, "schedule.add", null, $"{schedule.Name}: {schedule.Cron} ({schedule.TimeZone}) {plan.ActionType}: {plan.ActionSummary}", plan.Targets.Count, cancellationToken);
        return Results.Created($"/api/schedules/{schedule.Name}", ToDocument(schedule, time));
    }

    /// <summary>
    /// A workflow schedule (as <c>fanout schedule add FILE --set … -e ENV</c>): the file of the workflows directory, validated and its
    /// parameter values bound now exactly as <c>POST /api/workflows/run</c> binds them; every fire binds the recorded values again.
    /// </summary>
    private static async Task<IResult> AddWorkflowAsync(HttpContext http, ScheduleRequest body, ActionRequest action, Problems.ErrorSet errors, IRunStore store, ServerOptions options,
        AuditLog audit, TimeProvider time, WorkflowRunService workflows, CancellationToken cancellationToken)
    {
        if (body.TargetNodeIds is not null || body.TargetGroupIds is not null || body.Selector is not null || body.Options is not null)
        {
            errors.Add("action.type", "a workflow schedule selects its targets in the workflow's steps (targets:): leave targetNodeIds, targetGroupIds, selector and options out");
        }

        WorkflowPreparation prepared = workflows.Prepare(action.Value, action.Parameters, body.Environment, field: "action.value", parametersField: "action.parameters");
        foreach ((string field, string[] messages) in prepared.Errors)
        {
            foreach (string message in messages)
            {
                errors.Add(field, message);
            }
        }

        if (errors.Any || prepared.Workflow is null)
        {
            return Problems.Validation(errors.ToDictionary(), prepared.Diagnostics.Count == 0 ? null : new Dictionary<string, object?> { ["diagnostics"] = prepared.Diagnostics });
        }

        var schedule = new ScheduleRecord
        {
            Name = body.Name ?? CronSchedule.DefaultName(prepared.Workflow.Name, body.Environment, body.Cron!),
            Kind = "workflow",
            Definition = Path.GetFullPath(Path.Combine(options.WorkflowsDirectory, action.Value!)),
            Cron = body.Cron!,
            TimeZone = body.TimeZone ?? "UTC",
            Parameters = action.Parameters is { Count: > 0 } values ? System.Text.Json.JsonSerializer.Serialize(values) : null,
            Environment = body.Environment,
            AllowOverlap = body.AllowOverlap ?? false,
            CreatedAt = time.GetUtcNow(),
        };
        if (!await store.AddScheduleAsync(schedule, cancellationToken))
        {
            return Problems.Conflict($"a schedule named '{schedule.Name}' exists");
        }

        await audit.WriteAsync(Caller.Of(http).Name, "schedule.add", null, $"{schedule.Name}: {schedule.Cron} ({schedule.TimeZone}) workflow: {prepared.Workflow.Name} ({prepared.File})", cancellationToken: cancellationToken);
        return Results.Created($"/api/schedules/{schedule.Name}", ToDocument(schedule, time));
    }

    private static async Task<IResult> CancelAsync(string name, HttpContext http, IRunStore store, AuditLog audit, CancellationToken cancellationToken)
    {
        if (!await store.DeleteScheduleAsync(name, cancellationToken))
        {
            return Problems.NotFound($"no schedule named '{name}'");
        }

        await audit.WriteAsync(Caller.Of(http).Name, "schedule.cancel", null, name, cancellationToken: cancellationToken);
        return Results.NoContent();
    }

    private static ScheduleDocument ToDocument(ScheduleRecord s, TimeProvider time) => new(s.Name, s.Kind, s.Cron, s.TimeZone, s.AllowOverlap, s.CreatedAt,
        s.PausedAt is not null ? null : CronSchedule.NextOccurrence(s.Cron, s.TimeZone, s.LastFireAt is { } last && last > time.GetUtcNow() ? last : time.GetUtcNow()),
        s.LastFireAt, s.LastRunId, s.LastResult, s.PausedAt is not null, s.PausedAt, s.Kind == "workflow" ? s.Definition : RunDefinition.FromJson(s.Definition).DisplayName);

    [GeneratedRegex("^[A-Za-z0-9._-]{1,100}$")]
    private static partial Regex NamePattern();
}

/// <summary>Every schedule.</summary>
internal sealed record ScheduleList(IReadOnlyList<ScheduleDocument> Schedules);

/// <summary>A schedule with its next fire time (none while paused).</summary>
internal sealed record ScheduleDocument(string Name, string Kind, string Cron, string TimeZone, bool AllowOverlap, DateTimeOffset CreatedAt,
    DateTimeOffset? NextFireAt, DateTimeOffset? LastFireAt, string? LastRunId, string? LastResult, bool Paused, DateTimeOffset? PausedAt, string What);

/// <summary>Body of <c>PATCH /api/schedules/{name}</c>: the fields to change (what the schedule runs does not change; add a new schedule for that).</summary>
[System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
internal sealed record ScheduleUpdate(string? Cron = null, string? TimeZone = null, bool? AllowOverlap = null);

/// <summary>Answer of <c>POST /api/schedules/{name}/run</c>: the run it started (<c>result</c> <c>running</c>), or the error of a fire that started none.</summary>
internal sealed record ScheduleFired(string Name, string? RunId, string Result);
