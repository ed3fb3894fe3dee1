using Fanout.Execution;
using Fanout.Runs;
using Fanout.Security;
using Fanout.Server.Auth;
using Fanout.Server.Batches;
using Fanout.Server.Http;

namespace Fanout.Server.Runs;

/// <summary>
/// <c>GET /api/executions</c>: every run of every kind newest first — this server's queued and running batches with their
/// live progress, then the store's runs (the CLI's, other servers', finished ones) — filtered by kind, state, type (seed 003:
/// <c>single</c>, a run over one target, or <c>batch</c>, a run over several) and a text search, one page at a time. The web
/// UI's executions page reads exactly this.
/// </summary>
internal sealed class ExecutionList(BatchQueue queue, IRunStore store, TimeProvider time)
{
    /// <summary>How many of the newest stored runs a listing considers.</summary>
    public const int MaxRuns = 10_000;

    public static readonly string[] States = ["queued", "running", "succeeded", "failed", "cancelled", "interrupted", "awaiting-approval"];

    /// <summary>The execution types: <c>single</c> (a run over at most one target) and <c>batch</c> (a run over several).</summary>
    public static readonly string[] Types = ["single", "batch"];

    /// <summary>Whether <paramref name="item"/> is of execution type <paramref name="type"/> (null: any).</summary>
    public static bool IsOfType(ExecutionItem item, string? type) => type switch
    {
        null => true,
        "single" => item.Total <= 1,
        _ => item.Total > 1,
    };

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/api/executions", ListAsync).WithTags("Runs").WithName("ListExecutions").Produces<ExecutionPage>().ProducesValidationProblem()
            .WithMetadata(new RequiresRoleAttribute(ApiRole.Viewer));

    private static async Task<IResult> ListAsync(string? kind, string? state, string? type, string? search, int? page, int? pageSize, ExecutionList list, ServerOptions options, CancellationToken cancellationToken)
    {
        var errors = new Problems.ErrorSet();
        if (type is not null && !Types.Contains(type))
        {
            errors.Add("type", $"unknown execution type '{type}': expected single (a run over one target) or batch (a run over several)");
        }

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
            : Results.Ok(await list.ReadAsync(kind, state, type, search, page ?? 1, pageSize ?? Paging.DefaultPageSize, cancellationToken));
    }

    public async Task<ExecutionPage> ReadAsync(string? kind, string? state, string? type, string? search, int page, int pageSize, CancellationToken cancellationToken)
    {
        RunStatus? status = state is null or "queued" ? null : RunStatusExtensions.TryParseWireName(state);
        DateTimeOffset now = time.GetUtcNow();
        List<ExecutionItem> items = LiveItems(now);
        var seen = items.Select(i => i.RunId).ToHashSet(StringComparer.Ordinal);
        IReadOnlyList<RunRecord> runs = state == "queued" ? [] : await store.QueryRunsAsync(new RunQuery { Limit = MaxRuns, Status = status, Kind = kind }, cancellationToken);
        foreach (RunRecord r in runs)
        {
            if (!seen.Contains(r.RunId))
            {
                items.Add(Item(r, now));
            }
        }

        IEnumerable<ExecutionItem> matching = items.Where(i => (kind is null || i.Kind == kind) && (state is null || i.State == state) && IsOfType(i, type));
        if (!string.IsNullOrWhiteSpace(search))
        {
            string q = search.Trim();
            matching = matching.Where(i => i.Name.Contains(q, StringComparison.OrdinalIgnoreCase) || i.RunId.Contains(q, StringComparison.OrdinalIgnoreCase)
                || i.StartedBy.Contains(q, StringComparison.OrdinalIgnoreCase));
        }

        var sorted = matching.OrderByDescending(i => i.StartedAt).ThenByDescending(i => i.RunId, StringComparer.Ordinal).ToList();
        return new ExecutionPage(sorted.Count, page, pageSize, [.. sorted.Skip((page - 1) * pageSize).Take(pageSize)]);
    }

    /// <summary>Whether a list item's state is final (the run will not change any more).</summary>
    public static bool IsFinal(string state) => state is not ("queued" or "running" or "awaiting-approval");

    /// <summary>
    /// What the pushed list (<see cref="ExecutionFeed"/>) watches: this server's queued and running batches, the store's active
    /// runs (running, queued, awaiting approval — of any server), its <paramref name="newest"/> newest runs, and the runs of
    /// <paramref name="watch"/> (active before) wherever they are now — so a run that ended is seen in its final state.
    /// </summary>
    public async Task<IReadOnlyList<ExecutionItem>> ReadActiveAsync(int newest, IReadOnlyCollection<string> watch, CancellationToken cancellationToken)
    {
        DateTimeOffset now = time.GetUtcNow();
        List<ExecutionItem> items = LiveItems(now);
        var seen = items.Select(i => i.RunId).ToHashSet(StringComparer.Ordinal);
        void Add(RunRecord r)
        {
            if (seen.Add(r.RunId))
            {
                items.Add(Item(r, now));
            }
        }

        foreach (RunRecord r in await store.QueryRunsAsync(new RunQuery { Limit = newest }, cancellationToken))
        {
            Add(r);
        }

        foreach (RunStatus active in (RunStatus[])[RunStatus.Running, RunStatus.Queued, RunStatus.AwaitingApproval])
        {
            foreach (RunRecord r in await store.QueryRunsAsync(new RunQuery { Limit = MaxRuns, Status = active }, cancellationToken))
            {
                Add(r);
            }
        }

        foreach (string id in watch)
        {
            if (!seen.Contains(id) && await store.GetRunAsync(id, cancellationToken) is { } r)
            {
                Add(r);
            }
        }

        return items;
    }

    /// <summary>This server's queued and running batches with their live progress.</summary>
    private List<ExecutionItem> LiveItems(DateTimeOffset now)
    {
        var items = new List<ExecutionItem>();
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

            items.Add(new ExecutionItem(b.BatchId, b.Request.Kind ?? "exec", b.Request.Operation.Name, phase == BatchPhase.Queued ? "queued" : "running", targets.Count, done, ok, done - ok,
                b.Actor, b.AcceptedAt, null, (now - b.AcceptedAt).TotalMilliseconds, null));
        }

        return items;
    }

    private static ExecutionItem Item(RunRecord r, DateTimeOffset now)
    {
        RunCounts c = r.Counts;
        int failed = c.Failed + c.TimedOut + c.Unreachable + c.Cancelled + c.NotRun;
        int done = c.Succeeded + c.Skipped + c.Failed + c.TimedOut + c.Unreachable + c.Cancelled + c.NotRun;
        return new ExecutionItem(r.RunId, r.Kind, r.Name, r.Status.ToWireName(), c.Total, r.Status.IsFinal() ? c.Total : done, c.Succeeded + c.Skipped, failed,
            r.Actor, r.StartedAt, r.EndedAt, ((r.EndedAt ?? now) - r.StartedAt).TotalMilliseconds, r.ParentRunId);
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
