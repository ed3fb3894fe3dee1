using System.Text.Json.Serialization;

namespace Fanout.Documents;

/// <summary>
/// The status document of a batch (SPEC A2, <c>GET /api/executions/batch/{id}</c>): counts per state that always add up
/// to <see cref="Total"/>, progress, and a page of executions. A public contract: add fields, never rename them.
/// </summary>
internal sealed record BatchStatusDocument
{
    public required string BatchId { get; init; }

    /// <summary><c>queued</c>, <c>running</c>, <c>succeeded</c>, <c>failed</c> or <c>cancelled</c>.</summary>
    public required string Status { get; init; }

    /// <summary>The stored run status (adds <c>interrupted</c> and <c>awaiting-approval</c>), or <see langword="null"/> while queued.</summary>
    public string? RunStatus { get; init; }

    public required int Total { get; init; }

    public required BatchCounts Counts { get; init; }

    /// <summary>Finished targets as a percentage of all, 0–100, one decimal.</summary>
    public required double Progress { get; init; }

    public required int Page { get; init; }

    public required int PageSize { get; init; }

    /// <summary>How many executions match the <c>status</c> filter (all pages).</summary>
    public required int Matching { get; init; }

    public required IReadOnlyList<ExecutionDocument> Executions { get; init; }

    /// <summary>The waves (batches of <c>options.batchSize</c>) in order, with their counts and state; one wave without batching.</summary>
    public IReadOnlyList<WaveDocument> Waves { get; init; } = [];

    /// <summary>The wave being processed (the first not finished), or the last one when all are.</summary>
    public int CurrentWave { get; init; }

    /// <summary>Whether "stop after this batch" was requested: the run stops when the current wave ends.</summary>
    public bool StopAfterWaveRequested { get; init; }

    /// <summary>Builds the page of <paramref name="rows"/> (every target of the batch, in order) matching <paramref name="states"/>.</summary>
    public static BatchStatusDocument Build(string batchId, string status, string? runStatus, IReadOnlyList<ExecutionDocument> rows,
        IReadOnlySet<string>? states, int page, int pageSize)
    {
        ArgumentNullException.ThrowIfNull(rows);
        StateCounts c = StateCounts.Of(rows.Select(r => r.State));
        (int matching, List<int> onPage) = PageOf(rows, states, page, pageSize);
        (List<WaveDocument> waves, int current) = WavesOf(rows);
        return new BatchStatusDocument
        {
            BatchId = batchId,
            Status = status,
            RunStatus = runStatus,
            Total = rows.Count,
            Counts = new BatchCounts(c.Queued, c.Running, c.Succeeded, c.Failed, c.TimedOut, c.Cancelled, c.NotRun, c.Skipped) { Unreachable = c.Unreachable },
            Progress = PercentDone(c.Finished, rows.Count, status is "queued" or "running"),
            Page = page,
            PageSize = pageSize,
            Matching = matching,
            // Per-command results are read out of the page's outputs only (the rows of other pages are not looked at).
            Executions = [.. onPage.Select(i => rows[i])
                .Select(r => Fanout.Operations.CommandSections.Parse(r.Stdout, r.Stderr) is { } commands ? r with { Commands = commands } : r)],
            Waves = waves,
            CurrentWave = current,
        };
    }

    /// <summary>
    /// How many of <paramref name="rows"/> match <paramref name="states"/> (all when <see langword="null"/>), and the positions in
    /// <paramref name="rows"/> of those on the page, in order — the executions <see cref="Build"/> shows. A reader of a large
    /// stored run asks it first and reads the output of these rows only; the others' output is never shown.
    /// </summary>
    public static (int Matching, List<int> Page) PageOf(IReadOnlyList<ExecutionDocument> rows, IReadOnlySet<string>? states, int page, int pageSize)
    {
        ArgumentNullException.ThrowIfNull(rows);
        // 64-bit paging: a page past the end (however large its number) is empty, never a wrapped-around first page.
        long skip = Math.Max(0, ((long)page - 1) * pageSize);
        var onPage = new List<int>(Math.Clamp(pageSize, 0, 1024));
        int matching = 0;
        for (int i = 0; i < rows.Count; i++)
        {
            if (states is null || states.Contains(rows[i].State))
            {
                if (matching >= skip && matching - skip < pageSize)
                {
                    onPage.Add(i);
                }

                matching++;
            }
        }

        return (matching, onPage);
    }

    /// <summary>Per-wave counts and state, in wave order.</summary>
    private static (List<WaveDocument> Waves, int Current) WavesOf(IReadOnlyList<ExecutionDocument> rows)
    {
        int count = rows.Count == 0 ? 0 : rows.Max(r => r.Wave);
        int[,] c = new int[count + 1, 5]; // queued, running, succeeded, failed, not-run
        var starts = new DateTimeOffset?[count + 1];
        var ends = new DateTimeOffset?[count + 1];
        foreach (ExecutionDocument r in rows)
        {
            int k = r.State switch { "queued" => 0, "running" => 1, "succeeded" or "skipped" => 2, "not-run" => 4, _ => 3 };
            c[r.Wave, k]++;
            if (r.StartedAt is { } start)
            {
                starts[r.Wave] = starts[r.Wave] is { } s && s <= start ? s : start;
                if (k is not (0 or 1) && r.DurationMs is { } ms && start.AddMilliseconds(ms) is var end && !(ends[r.Wave] >= end))
                {
                    ends[r.Wave] = end;
                }
            }
        }

        var waves = new List<WaveDocument>(count);
        int current = 0;
        for (int w = 1; w <= count; w++)
        {
            int total = c[w, 0] + c[w, 1] + c[w, 2] + c[w, 3] + c[w, 4];
            string state = c[w, 1] > 0 || (c[w, 0] > 0 && c[w, 0] < total && c[w, 4] == 0) ? "running"
                : c[w, 0] == total ? "pending"
                : c[w, 4] == total ? "not-run"
                : c[w, 0] > 0 ? "running"
                : c[w, 3] > 0 || c[w, 4] > 0 ? "failed" : "complete";
            if (current == 0 && state is "running" or "pending")
            {
                current = w;
            }

            // Times from the targets' attempts (recorded by whichever process ran them): ended once nothing of it runs or waits.
            DateTimeOffset? ended = state is "running" or "pending" || starts[w] is null ? null : ends[w];
            waves.Add(new WaveDocument(w, total, c[w, 0], c[w, 1], c[w, 2], c[w, 3], c[w, 4], state)
            {
                StartedAt = starts[w],
                EndedAt = ended,
                DurationMs = ended is { } e && starts[w] is { } b ? Math.Round((e - b).TotalMilliseconds, 1) : null,
            });
        }

        return (waves, current == 0 ? count : current);
    }

    /// <summary>The one progress figure (status pages and SSE): finished of total in percent, one decimal, never above 100.</summary>
    public static double PercentDone(int finished, int total, bool live) =>
        total <= 0 ? (live ? 0 : 100) : Math.Round(100.0 * Math.Clamp(finished, 0, total) / total, 1);
}

/// <summary>
/// One wave of a batch: <c>state</c> is <c>pending</c> (nothing started), <c>running</c>, <c>complete</c> (all finished,
/// none failed), <c>failed</c> (all finished, some failed, timed out or cancelled) or <c>not-run</c> (stopped before it ran);
/// <c>startedAt</c> is when its first target started, <c>endedAt</c> when its last one ended (null while it runs or never ran),
/// <c>durationMs</c> the time between them; all from the targets' recorded attempts.
/// </summary>
internal sealed record WaveDocument(int Wave, int Total, int Queued, int Running, int Succeeded, int Failed, int NotRun, string State)
{
    /// <summary>When the first of its targets started (the earliest start of their latest attempts), or null before any did.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When the last of its targets ended, once every one has; null while it runs or waits.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Milliseconds from <see cref="StartedAt"/> to <see cref="EndedAt"/>, one decimal; null until it ended.</summary>
    public double? DurationMs { get; init; }
}

/// <summary>Per-state target counts of a batch; they add up to the batch's total.</summary>
internal sealed record BatchCounts(int Queued, int Running, int Succeeded, int Failed, int TimedOut, int Cancelled, int NotRun, int Skipped)
{
    /// <summary>Added field: targets that never got a session.</summary>
    public int Unreachable { get; init; }
}

/// <summary>One target execution of a batch (states spelled as in X9, plus <c>queued</c> and <c>running</c>).</summary>
/// <param name="ExecutionId"><c>BATCH.ORDINAL</c>, the target's position in the whole selection.</param>
/// <param name="NodeId">The target name.</param>
/// <param name="State">The state.</param>
/// <param name="ExitCode">The exit code, or <see langword="null"/>.</param>
/// <param name="DurationMs">Milliseconds, one decimal, or <see langword="null"/> before it ends.</param>
/// <param name="Stdout">Standard output (capped).</param>
/// <param name="Stderr">Standard error (capped).</param>
/// <param name="Error">The error, or <see langword="null"/>.</param>
/// <param name="Wave">The wave the target belongs to, from 1.</param>
/// <param name="Attempts">Attempts made (0 before the first starts).</param>
/// <param name="StartedAt">When its latest attempt started, or <see langword="null"/>.</param>
/// <param name="Connection">Added field: how the target is reached (transport, host, port, user; never secrets), from the server's inventory; omitted when unknown.</param>
/// <param name="Commands">Added field: with a list of commands (action <c>commands</c>), one result per command that ran; omitted otherwise.</param>
internal sealed record ExecutionDocument(string ExecutionId, string NodeId, string State, int? ExitCode, double? DurationMs, string? Stdout, string? Stderr, string? Error,
    int Wave = 1, int Attempts = 0, DateTimeOffset? StartedAt = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<Fanout.Operations.CommandSection>? Commands = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ConnectionDocument? Connection = null);
