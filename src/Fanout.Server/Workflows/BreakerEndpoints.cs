using Fanout.Runs;
using Fanout.Security;
using Fanout.Server.Audit;
using Fanout.Server.Auth;
using Fanout.Server.Http;
using Fanout.Workflows.Engine;

namespace Fanout.Server.Workflows;

/// <summary>
/// SPEC W13 over HTTP, as <c>fanout breaker list|reset</c>: the persisted circuit breakers of workflows, and closing one by
/// hand (audited as <c>breaker.reset</c>).
/// </summary>
internal static class BreakerEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        RouteGroupBuilder breakers = app.MapGroup("/api/breakers").WithTags("Workflows");
        breakers.MapGet("/", ListAsync).WithName("ListBreakers").Produces<BreakerList>()
            .WithMetadata(new RequiresRoleAttribute(ApiRole.Viewer));
        breakers.MapPost("/{workflow}/{name}/reset", ResetAsync).WithName("ResetBreaker").Produces<BreakerDocument>()
            .ProducesProblem(StatusCodes.Status404NotFound).WithMetadata(new RequiresRoleAttribute(ApiRole.Operator));
    }

    private static async Task<IResult> ListAsync(IRunStore store, string? workflow, CancellationToken cancellationToken)
    {
        IReadOnlyList<CircuitBreakerRecord> all = store.Workflows is { } workflows ? await workflows.ListBreakersAsync(cancellationToken) : [];
        return Results.Ok(new BreakerList([.. all.Where(b => workflow is null || b.Workflow == workflow).Select(BreakerDocument.From)]));
    }

    private static async Task<IResult> ResetAsync(string workflow, string name, HttpContext http, IRunStore store, AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        workflow = Uri.UnescapeDataString(workflow);
        name = Uri.UnescapeDataString(name);
        if (store.Workflows is not { } workflows || await workflows.GetBreakerAsync(workflow, name, cancellationToken) is not { } before)
        {
            return Problems.NotFound($"no circuit breaker '{name}' of workflow '{workflow}' (GET /api/breakers lists them)");
        }

        CircuitBreakerRecord closed = before with { State = "closed", ConsecutiveFailures = 0, OpenedAt = null, UpdatedAt = time.GetUtcNow() };
        await workflows.SaveBreakerAsync(closed, cancellationToken);
        await audit.WriteAsync(Caller.Of(http).Name, "breaker.reset", $"{workflow}/{name}", $"was {before.State} with {before.ConsecutiveFailures} consecutive failure(s)", cancellationToken: cancellationToken);
        return Results.Ok(BreakerDocument.From(closed));
    }
}

/// <summary>Body of <c>GET /api/breakers</c>.</summary>
internal sealed record BreakerList(IReadOnlyList<BreakerDocument> Breakers);

/// <summary>One persisted circuit breaker.</summary>
internal sealed record BreakerDocument(string Workflow, string Name, string State, int ConsecutiveFailures, DateTimeOffset? OpenedAt, DateTimeOffset UpdatedAt)
{
    public static BreakerDocument From(CircuitBreakerRecord b) => new(b.Workflow, b.Name, b.State, b.ConsecutiveFailures, b.OpenedAt, b.UpdatedAt);
}
