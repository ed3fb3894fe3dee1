namespace Fanout.Runs;

/// <summary>How the recorder batches writes and keeps its lease (SPEC H1, H2, N5).</summary>
public sealed class RunRecorderOptions
{
    /// <summary>The longest an event waits before it is written. The default value is 50 ms.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Events written in one transaction at most; a full batch is written at once. The default value is 500.</summary>
    public int MaxBatch { get; set; } = 500;

    /// <summary>How long the owner's lease lasts; a running run whose lease expired is interrupted. The default value is 30 s.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the lease is renewed. The default value is 10 s (a third of <see cref="LeaseDuration"/>).</summary>
    public TimeSpan LeaseRenewInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the owner polls the store for a cancel request from another process (SPEC A9). The default value is 1 s.</summary>
    public TimeSpan CancelPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How many upcoming first attempts (in selection order) are claimed as <c>running</c> in the same transaction as
    /// a start, so that their own starts need no write. 0 writes each start alone. The default value is 64.
    /// </summary>
    public int StartLookahead { get; set; } = 64;

    /// <summary>Characters of each output stream stored in the attempt row; longer output goes to a log file. The default value is 65,536.</summary>
    public int StoredOutputCap { get; set; } = 64 * 1024;

    /// <summary>
    /// How often the output running attempts printed (the first 2 KiB and last 6 KiB of each stream) is written into their
    /// attempt rows, so any server instance can show it while they run. The default value is 1 second.
    /// </summary>
    public TimeSpan PartialOutputInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The most running attempts whose output one such write records (the others wait for the next). The default value is 500.</summary>
    public int MaxPartialRows { get; set; } = 500;
}
