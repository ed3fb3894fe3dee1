using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fanout.Documents;

/// <summary>
/// The result document of a run (SPEC X9): <c>exec --output json</c>, <c>fanout export</c> and the API's export and run
/// documents are this one record, built by <see cref="ResultDocuments"/> and written by <see cref="DocumentWriter"/>.
/// A public contract: add fields, never rename them. Added fields that only some surfaces fill are omitted when null.
/// </summary>
internal sealed record ResultDocument
{
    public required string RunId { get; init; }

    /// <summary>The operation's name: <c>exec</c>, <c>script NAME</c>, <c>sync</c>, <c>restart</c>, …</summary>
    public required string Operation { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>When the run ended; null while a stored run is still running.</summary>
    public required DateTimeOffset? EndedAt { get; init; }

    public required ResultSummary Summary { get; init; }

    public required IReadOnlyList<ResultTarget> Targets { get; init; }

    /// <summary>Added field: how many waves the selection was split into.</summary>
    public int WaveCount { get; init; }

    /// <summary>Added field: why scheduling stopped early, or null.</summary>
    public string? StopReason { get; init; }

    /// <summary>Added field: rollbacks after an atomic batch failed (omitted when there were none).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<RollbackDocument>? Rollbacks { get; init; }

    /// <summary>Added field of the API's run document (<c>GET /api/runs/{id}</c>, not in exports): the run kind.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Kind { get; init; }

    /// <summary>Added field of the API's run document: the run status (H2 spelling).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Status { get; init; }

    /// <summary>Added field of the API's run document: who started the run.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Actor { get; init; }

    /// <summary>Added field of the API's run document: the run this one retries.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ParentRunId { get; init; }

    /// <summary>Added field of the API's run document: how many times the run was resumed.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? ResumeCount { get; init; }
}

/// <summary>The totals of a run (SPEC X9 <c>summary</c>): every target is counted in exactly one state.</summary>
internal sealed record ResultSummary
{
    public required int Total { get; init; }

    public required int Succeeded { get; init; }

    public required int Failed { get; init; }

    public required int TimedOut { get; init; }

    public required int Cancelled { get; init; }

    public required int NotRun { get; init; }

    public required int Skipped { get; init; }

    /// <summary>Added field: targets that never got a session (state <c>unreachable</c>).</summary>
    public int Unreachable { get; init; }

    /// <summary>Succeeded targets divided by the total, rounded to 4 decimals (1.0 when there were none).</summary>
    public required double SuccessRate { get; init; }

    /// <summary>Added field: targets still running (only while a stored run is live; omitted otherwise).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Running { get; init; }

    /// <summary>Added field: targets waiting to start (only while a stored run is live; omitted otherwise).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Queued { get; init; }
}

/// <summary>One target of a run (SPEC X9 <c>targets[]</c>; CSV columns in the same order).</summary>
internal sealed record ResultTarget
{
    public required string Target { get; init; }

    /// <summary>An X9 state (<c>succeeded</c>, <c>failed</c>, <c>timed-out</c>, <c>cancelled</c>, <c>not-run</c>, <c>skipped</c>), or <c>running</c>/<c>queued</c> in a live stored run.</summary>
    public required string State { get; init; }

    public required int? ExitCode { get; init; }

    public required int Attempts { get; init; }

    public required int Wave { get; init; }

    public required DateTimeOffset? StartedAt { get; init; }

    /// <summary>Milliseconds, rounded to one decimal (<see cref="ResultDocuments.Milliseconds"/>).</summary>
    public required double DurationMs { get; init; }

    public required string Stdout { get; init; }

    public required string Stderr { get; init; }

    public required string? Error { get; init; }

    /// <summary>Added field: operation-specific figures (sync: <c>filesCopied</c>, <c>filesSkipped</c>, <c>filesDeleted</c>, <c>bytesCopied</c>); absent when the operation has none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, JsonElement>? Data { get; init; }

    /// <summary>
    /// Added field: whether <c>stdout</c> is not byte-for-byte the output (the middle left out past the in-memory window,
    /// or invalid UTF-8 replaced); the exact bytes are in <c>--output-dir</c> and the store's log files. Omitted where unknown.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? StdoutTruncated { get; init; }

    /// <summary>Added field: how many bytes the target wrote to stdout. Omitted where unknown.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? StdoutBytes { get; init; }

    /// <summary>Added field: as <see cref="StdoutTruncated"/>, for stderr.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? StderrTruncated { get; init; }

    /// <summary>Added field: how many bytes the target wrote to stderr.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? StderrBytes { get; init; }

    /// <summary>Added field: with a list of commands (action <c>commands</c>), one result per command that ran (index, command, exit code, stdout, stderr); omitted otherwise. Not a CSV column (the CSV's stdout/stderr hold every command's section).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<Fanout.Operations.CommandSection>? Commands { get; init; }

    /// <summary>Added field of the server's documents: how the target is reached (transport, host, port, user; never secrets), from its inventory; omitted when unknown (and by the CLI). Not a CSV column.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ConnectionDocument? Connection { get; init; }

    /// <summary>Added field: after an atomic batch failed, true when this target was rolled back, false when its rollback failed; absent when no rollback ran for it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? RolledBack { get; init; }
}

/// <summary>One rollback of an atomic batch.</summary>
internal sealed record RollbackDocument(string Target, bool Succeeded, string? Error);
