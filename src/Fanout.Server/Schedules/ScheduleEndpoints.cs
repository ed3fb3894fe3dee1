using System.Text.RegularExpressions;
using Fanout.Inventory;
using Fanout.Runs;
using Fanout.Security;
using Fanout.Server.Audit;
using Fanout.Server.Auth;
using Fanout.Server.Batches;
using Fanout.Server.Http;
using Fanout.Server.Inventory;

namespace Fanout.Server.Schedules;

/// <summary>SPEC A4/H5 schedules: list (viewer), add and cancel (admin). Schedules are fired by the scheduler loop inside the server.</summary>
internal static partial class ScheduleEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        RouteGroupBuilder group = app.MapGroup("/api/schedules").WithTags("Schedules");
        group.MapGet("/", ListAsync).WithName("ListSchedules").Produces<ScheduleList>().WithMetadata(new RequiresRoleAttribute(ApiRole.Viewer));
        group.MapPost("/", AddAsync).WithName("AddSchedule").AcceptsJson<ScheduleRequest>()
            .Produces<ScheduleDocument>(201).ProducesValidationProblem().ProducesProblem(409).WithMetadata(new RequiresRoleAttribute(ApiRole.Admin));
        group.MapDelete("/{name}", CancelAsync).WithName("CancelSchedule").Produces(204).ProducesProblem(404).WithMetadata(new RequiresRoleAttribute(ApiRole.Admin));
    }

    private static async Task<IResult> ListAsync(IRunStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        IReadOnlyList<ScheduleRecord> schedules = await store.GetSchedulesAsync(cancellationToken);
        return Results.Ok(new ScheduleList([.. schedules.Select(s => ToDocument(s, time))]));
    }

    private static async Task<IResult> AddAsync(HttpContext http, IRunStore store, InventoryCache inventory, ServerOptions options, AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
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
        CronSchedule.NextOccurrence(s.Cron, s.TimeZone, s.LastFireAt is { } last && last > time.GetUtcNow() ? last : time.GetUtcNow()),
        s.LastFireAt, s.LastRunId, s.LastResult, s.Kind == "workflow" ? s.Definition : RunDefinition.FromJson(s.Definition).DisplayName);

    [GeneratedRegex("^[A-Za-z0-9._-]{1,100}$")]
    private static partial Regex NamePattern();
}

/// <summary>Every schedule.</summary>
internal sealed record ScheduleList(IReadOnlyList<ScheduleDocument> Schedules);

/// <summary>A schedule with its next fire time.</summary>
internal sealed record ScheduleDocument(string Name, string Kind, string Cron, string TimeZone, bool AllowOverlap, DateTimeOffset CreatedAt,
    DateTimeOffset? NextFireAt, DateTimeOffset? LastFireAt, string? LastRunId, string? LastResult, string What);
