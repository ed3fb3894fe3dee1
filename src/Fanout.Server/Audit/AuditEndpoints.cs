using Fanout.Security;
using Fanout.Server.Auth;
using Fanout.Server.Http;

namespace Fanout.Server.Audit;

/// <summary>
/// <c>GET /api/audit?batchId=&amp;actor=&amp;action=&amp;since=&amp;until=&amp;afterId=&amp;limit=</c> (SPEC A7). <c>since</c> and
/// <c>until</c> (both inclusive) are ISO 8601 times with an offset, or a duration back from now (<c>30m</c>, <c>2h</c>, <c>7d</c>).
/// </summary>
internal static class AuditEndpoints
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/api/audit", QueryAsync).WithTags("Audit").WithName("QueryAudit").Produces<AuditDocument>().ProducesValidationProblem()
            .WithMetadata(new RequiresRoleAttribute(ApiRole.Viewer));

    private static async Task<IResult> QueryAsync(string? batchId, string? actor, string? action, string? since, string? until, long? afterId, int? limit,
        IAuditStore audit, AuditLog log, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Problems.ErrorSet();
        if (limit is < 1 or > 10_000)
        {
            errors.Add("limit", $"limit must be between 1 and 10000 (got {limit})");
        }

        DateTimeOffset now = time.GetUtcNow();
        DateTimeOffset? from = TimeOf(since, "since", now, errors);
        DateTimeOffset? to = TimeOf(until, "until", now, errors);
        if (from is { } f && to is { } t && f > t)
        {
            errors.Add("until", $"until ({t:O}) is before since ({f:O})");
        }

        if (errors.Any)
        {
            return Problems.Validation(errors.ToDictionary());
        }

        // Entries posted before this request (execution and token-use entries are written in batches) are included.
        await log.FlushAsync().WaitAsync(cancellationToken);
        IReadOnlyList<AuditEntry> entries = await audit.QueryAuditAsync(
            new AuditQuery { BatchId = batchId, Actor = actor, Action = action, Since = from, Until = to, AfterId = afterId ?? 0, Limit = limit ?? 1000 }, cancellationToken);
        return Results.Ok(new AuditDocument(entries));
    }

    /// <summary>An ISO 8601 time with an offset, or a duration back from <paramref name="now"/>; an error naming <paramref name="field"/> otherwise.</summary>
    internal static DateTimeOffset? TimeOf(string? value, string field, DateTimeOffset now, Problems.ErrorSet errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (Duration.TryParse(value, out TimeSpan back) && back >= TimeSpan.Zero)
        {
            return now - back;
        }

        if (DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out DateTimeOffset at)
            && HasOffset(value))
        {
            return at;
        }

        errors.Add(field, $"'{value}' is neither an ISO 8601 time with an offset (2026-12-06T14:00:00Z) nor a duration back from now (30m, 2h, 7d)");
        return null;
    }

    private static bool HasOffset(string value)
    {
        string v = value.Trim();
        int t = v.IndexOf('T', StringComparison.OrdinalIgnoreCase);
        return v.EndsWith('Z') || v.EndsWith('z') || (t > 0 && (v.IndexOf('+', t) > 0 || v.IndexOf('-', t) > 0));
    }
}

/// <summary>Audit entries, oldest first.</summary>
internal sealed record AuditDocument(IReadOnlyList<AuditEntry> Entries);
