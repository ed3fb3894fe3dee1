namespace Fanout.Cluster.Coordination;

/// <summary>
/// How a silo that coordinates runs (<c>fanout serve --role api|all</c>) resumes a run here: the server plans the resume exactly as
/// <c>POST /api/runs/{id}/resume</c> does (the run's <c>ResumePlan</c>: what did not complete runs, what was running runs again)
/// and runs it through its execution queue (a batch) or its workflow engine (a workflow run).
/// </summary>
internal interface IRunLauncher
{
    /// <summary>Resumes the interrupted run <paramref name="runId"/> in this process; <paramref name="reason"/> is audited.</summary>
    Task<TakeoverStart> ResumeAsync(string runId, string reason, CancellationToken cancellationToken);
}

/// <summary>What became of a takeover's resume.</summary>
internal enum TakeoverStart
{
    /// <summary>The run runs (or ended) here now.</summary>
    Started,

    /// <summary>Not now (the queue is full, the run is being requeued elsewhere): the run's coordinator grain tries again.</summary>
    NotNow,

    /// <summary>
    /// It cannot be resumed without an operator (e.g. a workflow given secret parameters inline, which are never stored): it stays
    /// <c>interrupted</c>, audited with the reason, and the cluster stops watching it.
    /// </summary>
    Never,
}
