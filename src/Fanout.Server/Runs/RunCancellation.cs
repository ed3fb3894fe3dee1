using Fanout.Runs;
using Fanout.Server.Audit;
using Fanout.Server.Batches;

namespace Fanout.Server.Runs;

/// <summary>
/// Cancelling a run of any kind from the API (SPEC A3, A9): a batch queued or running on this server is cancelled at once;
/// any other running run — a workflow, a CLI run, a run of another server — gets a cancel request in the store, which its
/// owner polls (about every second). Both ways are audited.
/// </summary>
internal sealed record RunCancellation(bool Found, bool Requested, int Cancelled, string Status)
{
    public static async Task<RunCancellation> RequestAsync(string id, string actor, BatchQueue queue, IRunStore store, AuditLog audit, CancellationToken cancellationToken)
    {
        if (queue.Find(id) is { } batch)
        {
            int cancelled = batch.RequestCancel($"cancelled by {actor}");
            await audit.WriteAsync(actor, "batch.cancel", id, $"{cancelled} executions cancelled", cancelled, cancellationToken);
            return new RunCancellation(true, true, cancelled, "cancelling");
        }

        if (await store.GetRunAsync(id, cancellationToken) is not { } run)
        {
            return new RunCancellation(false, false, 0, "unknown");
        }

        if (await store.RequestCancelAsync(id, actor, cancellationToken))
        {
            RunCounts c = run.Counts;
            int open = Math.Max(0, c.Total - c.Succeeded - c.Failed - c.TimedOut - c.Unreachable - c.Cancelled - c.NotRun - c.Skipped);
            await audit.WriteAsync(actor, "batch.cancel", id, $"cancel requested from the owner (pid {run.OwnerPid} on {run.OwnerHost}); {open} executions not finished", open, cancellationToken);
            return new RunCancellation(true, true, open, "cancelling");
        }

        RunStatus status = (await store.GetRunAsync(id, cancellationToken))?.Status ?? run.Status;
        await audit.WriteAsync(actor, "batch.cancel", id, $"0 executions cancelled: the run already ended ({status.ToWireName()})", 0, cancellationToken);
        return new RunCancellation(true, false, 0, status.ToWireName());
    }
}
