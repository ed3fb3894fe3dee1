using System.Data.Common;
using Fanout.Runs;
using static Fanout.Storage.StoreDatabase;

namespace Fanout.Storage;

/// <summary>
/// Runs as recorded (SPEC H1): the run row, its target list, attempts with their output, the event stream and counts — created,
/// written in batches, finished, listed and read. Whether a running run's owner is gone is <see cref="RunOwnership"/>'s, asked
/// before any run is read so every reader sees an orphaned run as interrupted.
/// </summary>
internal sealed partial class RunRecords(StoreDatabase database, RunOwnership ownership) : StoreTable(database)
{
    /// <summary>
    /// The columns of run lists: the same positions as <see cref="RunRows.Columns"/>, without the definition columns (selectors,
    /// options, parameters, operation), which may be megabytes — lists never read them; <see cref="GetRunAsync"/> does.
    /// </summary>
    private const string ListColumns =
        "run_id, kind, name, status, actor, NULL, NULL, NULL, NULL, parent_run_id, started_at, ended_at, " +
        "owner_host, owner_pid, lease_expires_at, total, succeeded, failed, timed_out, cancelled, not_run, skipped, stop_reason, resume_count, unreachable";

    private const string AttemptColumns =
        "a.run_id, a.target, a.attempt, a.state, a.exit_code, a.wave, a.started_at, a.ended_at, a.stdout, a.stderr, a.stdout_log, a.stderr_log, a.error";

    /// <summary>The most targets an <see cref="AttemptQuery.Targets"/> may name (each is a statement parameter).</summary>
    internal const int MaxNamedTargets = 10_000;

    /// <summary>The columns of <see cref="AttemptQuery.WithoutOutput"/>: the same positions as <see cref="AttemptColumns"/>, the output ones NULL.</summary>
    private const string LightAttemptColumns =
        "a.run_id, a.target, a.attempt, a.state, a.exit_code, a.wave, a.started_at, a.ended_at, NULL, NULL, NULL, NULL, a.error";

    /// <summary>The columns of a run's selection (<c>run_targets</c>), written in bulk when the run is created.</summary>
    private static readonly BulkColumn[] RunTargetColumns =
        [new("run_id", BulkType.Text), new("ordinal", BulkType.Integer), new("target", BulkType.Text), new("wave", BulkType.Integer)];

    /// <inheritdoc cref="IRunStore"/>
    public Task CreateRunAsync(RunRecord run, IReadOnlyList<RunTargetRecord> targets, CancellationToken cancellationToken) =>
        WithConnectionAsync(async connection =>
        {
            await using DbTransaction tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (DbCommand exists = Command(connection, tx, "SELECT COUNT(*) FROM runs WHERE run_id = @id"))
            {
                Param(exists, "id", run.RunId);
                if (Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) > 0)
                {
                    throw new FanoutException($"a run with id '{run.RunId}' is already recorded");
                }
            }

            RunCounts c = run.Counts;
            await ExecAsync(connection, tx,
                $"INSERT INTO runs ({RunRows.Columns}) VALUES (@run_id, @kind, @name, @status, @actor, @selectors, @options, @parameters, @operation, @parent, " +
                "@started_at, @ended_at, @owner_host, @owner_pid, @lease, @total, @succeeded, @failed, @timed_out, @cancelled, @not_run, @skipped, @stop_reason, @resume_count, @unreachable)",
                cancellationToken,
                ("run_id", run.RunId), ("kind", run.Kind), ("name", run.Name), ("status", run.Status.ToWireName()), ("actor", run.Actor),
                ("selectors", run.Selectors), ("options", run.Options), ("parameters", run.Parameters), ("operation", run.Operation),
                ("parent", run.ParentRunId), ("started_at", ToDb(run.StartedAt)), ("ended_at", ToDbOrNull(run.EndedAt)),
                ("owner_host", run.OwnerHost), ("owner_pid", run.OwnerPid), ("lease", ToDbOrNull(run.LeaseExpiresAt)),
                ("total", c.Total), ("succeeded", c.Succeeded), ("failed", c.Failed), ("timed_out", c.TimedOut), ("cancelled", c.Cancelled),
                ("not_run", c.NotRun), ("skipped", c.Skipped), ("stop_reason", run.StopReason), ("resume_count", run.ResumeCount), ("unreachable", c.Unreachable)).ConfigureAwait(false);

            var ordered = targets.Select((t, i) => (t, i)).ToList();
            await InsertManyAsync(connection, tx, "run_targets", RunTargetColumns, ordered, r => [run.RunId, r.i, r.t.Target, r.t.Wave], cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken);

    /// <inheritdoc cref="IRunStore"/>
    public Task WriteAsync(RunWriteBatch batch, CancellationToken cancellationToken)
    {
        if (batch.IsEmpty)
        {
            return Task.CompletedTask;
        }

        // Retried on a transient failure (a dropped connection, the server's connection limit): every row is an upsert or keyed.
        return WithRetriedConnectionAsync(async connection =>
        {
            await using DbTransaction tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            if (batch.OwnerHost is { } ownerHost && batch.OwnerPid is { } ownerPid)
            {
                await GuardOwnerAsync(connection, tx, batch.RunId, ownerHost, ownerPid, cancellationToken).ConfigureAwait(false);
            }

            await Database.UpsertAttemptsAsync(connection, tx, batch.Attempts, cancellationToken).ConfigureAwait(false);
            await Database.InsertEventsAsync(connection, tx, batch.Events, cancellationToken).ConfigureAwait(false);
            await ExecuteManyAsync(connection, tx, "DELETE FROM target_attempts WHERE run_id = @run_id AND target = @target AND attempt = @attempt",
                ["run_id", "target", "attempt"], batch.DeleteAttempts, d => [batch.RunId, d.Target, d.Attempt], cancellationToken).ConfigureAwait(false);
            if (batch.Counts is { } c)
            {
                await UpdateCountsAsync(connection, tx, batch.RunId, c, cancellationToken).ConfigureAwait(false);
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken);
    }

    /// <summary>
    /// The store's fence (docs/scale-out.md "Fencing"): a batch is written only while its writer still owns the run. A process
    /// that lost it — another server took the run over after this one was declared dead, or it was resumed elsewhere — has the
    /// write refused whole, so it never overwrites what the new owner records. The <c>UPDATE</c> locks the run's row until the
    /// commit, so a takeover (which rewrites the owner columns) falls before or after the whole batch, never inside it. A run
    /// that is not recorded is left to the inserts' own checks.
    /// </summary>
    private async Task GuardOwnerAsync(DbConnection connection, DbTransaction tx, string runId, string ownerHost, int ownerPid, CancellationToken cancellationToken)
    {
        if (await ExecAsync(connection, tx, "UPDATE runs SET owner_pid = owner_pid WHERE run_id = @id AND lower(owner_host) = lower(@host) AND owner_pid = @pid",
            cancellationToken, ("id", runId), ("host", ownerHost), ("pid", ownerPid)).ConfigureAwait(false) == 1)
        {
            return;
        }

        await using DbCommand read = Command(connection, tx, "SELECT owner_host, owner_pid FROM runs WHERE run_id = @id");
        Param(read, "id", runId);
        await using DbDataReader row = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (await row.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            string host = row.IsDBNull(0) ? "?" : row.GetString(0);
            string pid = row.IsDBNull(1) ? "?" : Convert.ToString(row.GetValue(1), System.Globalization.CultureInfo.InvariantCulture)!;
            throw new RunOwnershipLostException(runId, $"run {runId} is now owned by pid {pid} on {host} (taken over or resumed there): this process lost it and records nothing more of it");
        }
    }

    private static Task<int> UpdateCountsAsync(DbConnection connection, DbTransaction tx, string runId, RunCounts c, CancellationToken cancellationToken) =>
        ExecAsync(connection, tx,
            "UPDATE runs SET total = @total, succeeded = @succeeded, failed = @failed, timed_out = @timed_out, cancelled = @cancelled, " +
            "not_run = @not_run, skipped = @skipped, unreachable = @unreachable WHERE run_id = @id",
            cancellationToken, ("total", c.Total), ("succeeded", c.Succeeded), ("failed", c.Failed), ("timed_out", c.TimedOut),
            ("cancelled", c.Cancelled), ("not_run", c.NotRun), ("skipped", c.Skipped), ("unreachable", c.Unreachable), ("id", runId));

    /// <inheritdoc cref="IRunStore"/>
    public Task FinishRunAsync(string runId, RunStatus status, DateTimeOffset endedAt, RunCounts counts, string? stopReason, CancellationToken cancellationToken) =>
        WithRetriedConnectionAsync(async connection =>
        {
            await using DbTransaction tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await UpdateCountsAsync(connection, tx, runId, counts, cancellationToken).ConfigureAwait(false);
            await ExecAsync(connection, tx,
                "UPDATE runs SET status = @status, ended_at = @ended, stop_reason = @reason, lease_expires_at = NULL WHERE run_id = @id",
                cancellationToken, ("status", status.ToWireName()), ("ended", ToDb(endedAt)), ("reason", stopReason), ("id", runId)).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken);

    /// <inheritdoc cref="IRunStore.GetRunAsync"/>
    public async Task<RunRecord?> GetRunAsync(string runId, CancellationToken cancellationToken) =>
        await RunRows.ReadAsync(Database, runId, cancellationToken).ConfigureAwait(false) is { } run
            ? await ownership.CheckAsync(run, cancellationToken).ConfigureAwait(false)
            : null;

    /// <inheritdoc cref="IRunStore"/>
    public Task<IReadOnlyList<RunTargetRecord>> GetRunTargetsAsync(string runId, CancellationToken cancellationToken) =>
        WithConnectionAsync<IReadOnlyList<RunTargetRecord>>(async connection =>
        {
            await using DbCommand command = Command(connection, null, "SELECT target, wave FROM run_targets WHERE run_id = @id ORDER BY ordinal");
            Param(command, "id", runId);
            var list = new List<RunTargetRecord>();
            await using DbDataReader r = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                list.Add(new RunTargetRecord(r.GetString(0), ReadInt(r, 1)));
            }

            return list;
        }, cancellationToken);

    /// <inheritdoc cref="IRunStore"/>
    public Task<IReadOnlyList<TargetAttemptRecord>> GetAttemptsAsync(string runId, AttemptQuery? query, CancellationToken cancellationToken)
    {
        query ??= new AttemptQuery();
        if (query.Targets is { Count: 0 })
        {
            return Task.FromResult<IReadOnlyList<TargetAttemptRecord>>([]);
        }

        string[] targets = query.Targets is null ? [] : [.. query.Targets.Distinct(StringComparer.Ordinal)];
        if (targets.Length > MaxNamedTargets)
        {
            // One parameter each: SQLite allows 32,766 per statement, PostgreSQL 65,535; a status page names at most 1,000.
            throw new ArgumentException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"an attempt query names at most {MaxNamedTargets:N0} targets ({targets.Length:N0} given); leave Targets unset to read every target"), nameof(query));
        }

        return WithConnectionAsync<IReadOnlyList<TargetAttemptRecord>>(async connection =>
        {
            // The selection order comes from a read of its own, not a join: with the statistics of a freshly filled table
            // PostgreSQL planned the join as a nested loop that compared every attempt with every target of the run (75 s for
            // 20,000 targets, measured) — two single-table index scans cannot degrade like that.
            // One target's rows are in attempt order already: no selection order to read.
            var ordinals = new Dictionary<string, int>(StringComparer.Ordinal);
            if (query.Target is null)
            {
                await using DbCommand selection = Command(connection, null, AttemptSql(query, targets.Length, ordinals: true));
                Filter(selection);
                await using DbDataReader o = await selection.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await o.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    ordinals[o.GetString(0)] = ReadInt(o, 1);
                }
            }

            await using DbCommand command = Command(connection, null, AttemptSql(query, targets.Length));
            Filter(command);
            var list = new List<TargetAttemptRecord>();
            TargetAttemptRecord? held = null; // with LatestOnly: the last row read, kept until the next row is of another target
            await using DbDataReader r = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var a = new TargetAttemptRecord
                {
                    RunId = r.GetString(0),
                    Target = r.GetString(1),
                    Attempt = ReadInt(r, 2),
                    State = AttemptStateExtensions.ParseAttemptState(r.GetString(3)),
                    ExitCode = ReadIntOrNull(r, 4),
                    Wave = ReadInt(r, 5),
                    StartedAt = ReadTimeOrNull(r, 6),
                    EndedAt = ReadTimeOrNull(r, 7),
                    Stdout = ReadString(r, 8),
                    Stderr = ReadString(r, 9),
                    StdoutLog = ReadString(r, 10),
                    StderrLog = ReadString(r, 11),
                    Error = ReadString(r, 12),
                };
                if (query.LatestOnly)
                {
                    // A target's attempts come together, in attempt order: the last one of each run of rows is its latest.
                    if (held is not null && !string.Equals(held.Target, a.Target, StringComparison.Ordinal))
                    {
                        Keep(held);
                    }

                    held = a;
                }
                else
                {
                    Keep(a);
                }
            }

            if (held is not null)
            {
                Keep(held);
            }

            // Selection order, then target, then attempt (a stable sort of rows read in target, attempt order).
            return [.. list.OrderBy(a => ordinals.TryGetValue(a.Target, out int ordinal) ? ordinal : int.MaxValue)];

            void Filter(DbCommand c)
            {
                Param(c, "id", runId);
                if (query.Target is not null)
                {
                    Param(c, "target", query.Target);
                }

                for (int i = 0; i < targets.Length; i++)
                {
                    Param(c, "t" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), targets[i]);
                }
            }

            void Keep(TargetAttemptRecord a)
            {
                if (query.States is null || query.States.Contains(a.State))
                {
                    list.Add(a);
                }
            }
        }, cancellationToken);
    }

    /// <summary>
    /// The SQL of an attempt read: the run's rows in target, then attempt order (the primary key's order: no sort) — a target's
    /// attempts always next to each other, so <see cref="AttemptQuery.LatestOnly"/> keeps the last of each group while reading;
    /// the caller orders them by selection. No correlated <c>MAX(attempt)</c> subquery per row and no join with
    /// <c>run_targets</c>: with the statistics of a freshly filled table (PostgreSQL) both degraded to a scan per row — a
    /// 20,000-target run's status read hit the 30 s command timeout (the join alone took 75 s, measured with EXPLAIN ANALYZE).
    /// </summary>
    /// <param name="query">The query (<see cref="AttemptQuery.Target"/> becomes <c>@target</c>, <see cref="AttemptQuery.WithoutOutput"/> leaves out the output columns).</param>
    /// <param name="targets">How many <see cref="AttemptQuery.Targets"/> there are: parameters <c>@t0</c>… (0 for no such filter).</param>
    /// <param name="ordinals">The read of the same targets' selection positions (<c>run_targets</c>) instead.</param>
    internal static string AttemptSql(AttemptQuery query, int targets, bool ordinals = false)
    {
        string alias = ordinals ? "t" : "a";
        string target = query.Target is null ? string.Empty : $" AND {alias}.target = @target";
        string some = targets == 0 ? string.Empty
            : $" AND {alias}.target IN (" + string.Join(", ", Enumerable.Range(0, targets).Select(i => "@t" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))) + ")";
        return ordinals
            ? $"SELECT t.target, t.ordinal FROM run_targets t WHERE t.run_id = @id{target}{some}"
            : $"SELECT {(query.WithoutOutput ? LightAttemptColumns : AttemptColumns)} FROM target_attempts a WHERE a.run_id = @id{target}{some} ORDER BY a.target, a.attempt";
    }

    /// <inheritdoc cref="IRunStore"/>
    public Task<IReadOnlyList<RunEventRecord>> GetEventsAsync(string runId, long afterSequence, int limit, CancellationToken cancellationToken) =>
        WithConnectionAsync<IReadOnlyList<RunEventRecord>>(async connection =>
        {
            await using DbCommand command = Command(connection, null,
                "SELECT run_id, sequence, type, ts, payload FROM run_events WHERE run_id = @id AND sequence > @after ORDER BY sequence LIMIT @limit");
            Param(command, "id", runId);
            Param(command, "after", afterSequence);
            Param(command, "limit", limit);
            var list = new List<RunEventRecord>();
            await using DbDataReader r = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                list.Add(new RunEventRecord(r.GetString(0), r.GetInt64(1), r.GetString(2), ReadTime(r, 3), r.GetString(4)));
            }

            return list;
        }, cancellationToken);

    /// <inheritdoc cref="IRunStore"/>
    public Task<long> GetLastSequenceAsync(string runId, CancellationToken cancellationToken) => WithConnectionAsync(async connection =>
    {
        await using DbCommand command = Command(connection, null, "SELECT COALESCE(MAX(sequence), 0) FROM run_events WHERE run_id = @id");
        Param(command, "id", runId);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }, cancellationToken);
}
