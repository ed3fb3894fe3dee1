namespace Fanout.Server.Batches;

/// <summary>Where a batch accepted by this server is.</summary>
internal enum BatchPhase
{
    Queued,
    Running,
    Finished,
}
