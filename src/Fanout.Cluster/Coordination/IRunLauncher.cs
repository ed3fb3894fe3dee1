namespace Fanout.Cluster.Coordination;

/// <summary>
/// How a silo that coordinates runs (<c>fanout serve --role api|all</c>) resumes a run here: the server plans the resume exactly as
/// <c>POST /api/runs/{id}/resume</c> does (the run's <c>ResumePlan</c>: what did not complete runs, what was running runs again)
/// and runs it through its execution queue.
/// </summary>
internal interface IRunLauncher
{
    /// <summary>Resumes the interrupted run <paramref name="runId"/> in this process; <paramref name="reason"/> is audited.</summary>
    /// <returns>False when it could not be started now (the queue is full, the run is not resumable); the caller tries again later.</returns>
    Task<bool> ResumeAsync(string runId, string reason, CancellationToken cancellationToken);
}
