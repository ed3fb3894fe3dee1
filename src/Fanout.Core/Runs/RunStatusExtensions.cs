namespace Fanout.Runs;

/// <summary>Spelling of <see cref="RunStatus"/> in output, the store and the API (SPEC H2).</summary>
public static class RunStatusExtensions
{
    /// <summary>Returns <c>running</c>, <c>succeeded</c>, <c>failed</c>, <c>cancelled</c>, <c>interrupted</c>, <c>awaiting-approval</c> or <c>queued</c>.</summary>
    public static string ToWireName(this RunStatus status) => status switch
    {
        RunStatus.Running => "running",
        RunStatus.Succeeded => "succeeded",
        RunStatus.Failed => "failed",
        RunStatus.Cancelled => "cancelled",
        RunStatus.Interrupted => "interrupted",
        RunStatus.AwaitingApproval => "awaiting-approval",
        RunStatus.Queued => "queued",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    /// <summary>Parses a name produced by <see cref="ToWireName"/>.</summary>
    /// <returns><see langword="null"/> when <paramref name="text"/> is not a run status.</returns>
    public static RunStatus? TryParseWireName(string text) => text switch
    {
        "running" => RunStatus.Running,
        "succeeded" => RunStatus.Succeeded,
        "failed" => RunStatus.Failed,
        "cancelled" => RunStatus.Cancelled,
        "interrupted" => RunStatus.Interrupted,
        "awaiting-approval" => RunStatus.AwaitingApproval,
        "queued" => RunStatus.Queued,
        _ => null,
    };

    /// <summary>Whether the run has ended (anything but running, awaiting approval or queued).</summary>
    public static bool IsFinal(this RunStatus status) => status is not (RunStatus.Running or RunStatus.AwaitingApproval or RunStatus.Queued);
}
