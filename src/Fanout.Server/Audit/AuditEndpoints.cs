using Fanout.Security;
using Fanout.Server.Auth;
using Fanout.Server.Http;

namespace Fanout.Server.Audit;

/// <summary><c>GET /api/audit?batchId=&amp;actor=&amp;action=&amp;afterId=&amp;limit=</c> (SPEC A7).</summary>
internal static class AuditEndpoints
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/api/audit", QueryAsync).WithTags("Audit").WithName("QueryAudit").Produces<AuditDocument>().ProducesValidationProblem()
            .WithMetadata(new RequiresRoleAttribute(ApiRole.Viewer));

    private static async Task<IResult> QueryAsync(string? batchId, string? actor, string? action, long? afterId, int? limit, IAuditStore audit, AuditLog log, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 10_000)
        {
            return Problems.Validation("limit", $"limit must be between 1 and 10000 (got {limit})");
        }

        // Entries posted before this request (execution and token-use entries are written in batches) are included.
        await log.FlushAsync().WaitAsync(cancellationToken);
        IReadOnlyList<AuditEntry> entries = await audit.QueryAuditAsync(
            new AuditQuery { BatchId = batchId, Actor = actor, Action = action, AfterId = afterId ?? 0, Limit = limit ?? 1000 }, cancellationToken);
        return Results.Ok(new AuditDocument(entries));
    }
}

/// <summary>Audit entries, oldest first.</summary>
internal sealed record AuditDocument(IReadOnlyList<AuditEntry> Entries);
