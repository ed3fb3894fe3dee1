using Fanout.Runs;
using Fanout.Security;
using Fanout.Server.Auth;
using Fanout.Server.Http;
using Fanout.Workflows.Engine;

namespace Fanout.Server.Workflows;

/// <summary><c>GET /api/runs/{id}/approvals</c>: a workflow run's manual-approval steps (pending and decided) — what the run page offers to approve or reject.</summary>
internal static class ApprovalList
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/api/runs/{id}/approvals", ListAsync).WithTags("Runs").WithName("ListApprovals").Produces<ApprovalsDocument>().ProducesProblem(StatusCodes.Status404NotFound)
            .WithMetadata(new RequiresRoleAttribute(ApiRole.Viewer));

    private static async Task<IResult> ListAsync(string id, IRunStore store, CancellationToken cancellationToken) =>
        await ReadAsync(store, id, cancellationToken) is { } document ? Results.Ok(document) : Problems.NotFound($"no run with id '{id}'");

    public static async Task<ApprovalsDocument?> ReadAsync(IRunStore store, string id, CancellationToken cancellationToken)
    {
        if (await store.GetRunAsync(id, cancellationToken) is null)
        {
            return null;
        }

        IReadOnlyList<ApprovalRecord> approvals = store.Workflows is { } workflows ? await workflows.GetApprovalsAsync(id, cancellationToken) : [];
        return new ApprovalsDocument(id, [.. approvals.Select(a => new ApprovalDocument(a.Step, a.Status, a.RequestedAt, a.DecidedAt, a.Actor))]);
    }
}

/// <summary>The approvals of a run.</summary>
internal sealed record ApprovalsDocument(string RunId, IReadOnlyList<ApprovalDocument> Approvals);

/// <summary>One manual-approval step: <c>status</c> is <c>pending</c>, <c>approved</c> or <c>rejected</c>.</summary>
internal sealed record ApprovalDocument(string Step, string Status, DateTimeOffset RequestedAt, DateTimeOffset? DecidedAt, string? Actor);
