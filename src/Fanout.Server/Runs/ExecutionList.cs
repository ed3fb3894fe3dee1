using Fanout.Execution;
using Fanout.Runs;
using Fanout.Security;
using Fanout.Server.Auth;
using Fanout.Server.Batches;
using Fanout.Server.Http;

namespace Fanout.Server.Runs;

/// <summary>
/// <c>GET /api/executions</c>: every run of every kind newest first — this server's queued and running batches with their
/// live progress, then the store's runs (the CLI's, other servers', finished ones) — filtered by kind, state and a text
/// search, one page at a time. The web UI's executions page reads exactly this.
/// </summary>
internal sealed class ExecutionList(BatchQueue queue, IRunStore store, TimeProvider time)
{
    /// <summary>How many of the newest stored runs a listing considers.</summary>
    public const int MaxRuns = 10_000;

    public static readonly string[] States = ["queued", "running", "succeeded", "failed", "cancelled", "interrupted", "awaiting-approval"];

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/api/executions", ListAsync).WithTags("Runs").WithName("ListExecutions").Produces<ExecutionPage>().ProducesValidationProblem()
            .WithMetadata(new RequiresRoleAttribute(ApiRole.Viewer));

    private static async Task<IResult> ListAsync(string? kind, string? state, string? search, int? page, int? pageSize, ExecutionList list, ServerOptions options, CancellationToken cancellationToken)
    {
        var errors = new Problems.ErrorSet();
        if (state is not null && !States.Contains(state))
        {
            errors.Add("state", $"unknown state '{state}': expected {string.Join(", ", States)}");
        }

        if (kind is not null && !RunKinds.IsKnown(kind))
        {
            errors.Add("kind", RunKinds.Unknown(kind));
        }

        Paging.Check(page, pageSize, options, errors);
        return errors.Any
            ? Problems.Validation(errors.ToDictionary())
            : Results.Ok(await list.ReadAsync(kind, state, search, page ?? 1, pageSize ?? Paging.DefaultPageSize, cancellationToken));
    }

    public async Task<ExecutionPage> ReadAsync(string? kind, string? state, string? search, int page, int pageSize, CancellationToken cancellationToken)
    {
        RunStatus? status = state is null or "queued" ? null : RunStatusExtensions.TryParseWireName(state);
        var items = new List<ExecutionItem>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        DateTimeOffset now = time.GetUtcNow();
        foreach (BatchState b in queue.Live)
        {
            (BatchPhase phase, IReadOnlyList<BatchState.TargetView> targets) = b.Snapshot();
            if (phase == BatchPhase.Finished)
            {
                continue;
            }

            int done = 0, ok = 0;
            foreach (BatchState.TargetView t in targets)
            {
                if (t.Outcome is { } o)
                {
                    done++;
                    ok += o.State is TargetState.Succeeded or TargetState.Skipped ? 1 : 0;
                }
            }

            seen.Add(b.BatchId);
            items.Add(new ExecutionItem(b.BatchId, b.Request.Kind ?? "exec", b.Request.Operation.Name, phase == BatchPhase.Queued ? "queued" : "running", targets.Count, done, ok, done - ok,
                b.Actor, b.AcceptedAt, null, (now - b.AcceptedAt).TotalMilliseconds, null));
        }

        IReadOnlyList<RunRecord> runs = state == "queued" ? [] : await store.QueryRunsAsync(new RunQuery { Limit = MaxRuns, Status = status, Kind = kind }, cancellationToken);
        foreach (RunRecord r in runs)
        {
            if (seen.Contains(r.RunId))
            {
                continue;
            }

            RunCounts c = r.Counts;
            int failed = c.Failed + c.TimedOut + c.Unreachable + c.Cancelled + c.NotRun;
            int done = c.Succeeded + c.Skipped + c.Failed + c.TimedOut + c.Unreachable + c.Cancelled + c.NotRun;
            items.Add(new ExecutionItem(r.RunId, r.Kind, r.Name, r.Status.ToWireName(), c.Total, r.Status.IsFinal() ? c.Total : done, c.Succeeded + c.Skipped, failed,
                r.Actor, r.StartedAt, r.EndedAt, ((r.EndedAt ?? now) - r.StartedAt).TotalMilliseconds, r.ParentRunId));
        }

        IEnumerable<ExecutionItem> matching = items.Where(i => (kind is null || i.Kind == kind) && (state is null || i.State == state));
        if (!string.IsNullOrWhiteSpace(search))
        {
            string q = search.Trim();
            matching = matching.Where(i => i.Name.Contains(q, StringComparison.OrdinalIgnoreCase) || i.RunId.Contains(q, StringComparison.OrdinalIgnoreCase)
                || i.StartedBy.Contains(q, StringComparison.OrdinalIgnoreCase));
        }

        var sorted = matching.OrderByDescending(i => i.StartedAt).ThenByDescending(i => i.RunId, StringComparer.Ordinal).ToList();
        return new ExecutionPage(sorted.Count, page, pageSize, [.. sorted.Skip((page - 1) * pageSize).Take(pageSize)]);
    }
}

/// <summary>A page of <c>GET /api/executions</c>.</summary>
internal sealed record ExecutionPage(int Total, int Page, int PageSize, IReadOnlyList<ExecutionItem> Runs);

/// <summary>
/// One run in the executions list. <c>done</c> counts finished targets ("5/10 targets"); <c>durationMs</c> runs on while
/// the run does. <c>state</c> is <c>queued</c> (waiting for a slot on this server) or a stored run status.
/// </summary>
internal sealed record ExecutionItem(string RunId, string Kind, string Name, string State, int Total, int Done, int Succeeded, int Failed,
    string StartedBy, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, double DurationMs, string? ParentRunId);
