namespace Fanout.Runs;

/// <summary>
/// The store refused a write of a run this process no longer owns: another process took the run over (a cluster's coordinator
/// takeover, a resume elsewhere) and records it now. The writer stops; nothing it held is written.
/// </summary>
public sealed class RunOwnershipLostException : FanoutException
{
    /// <summary>Creates the exception for <paramref name="runId"/>.</summary>
    public RunOwnershipLostException(string runId, string message)
        : base(message)
    {
        RunId = runId;
    }

    /// <summary>The run this process lost.</summary>
    public string RunId { get; }
}
