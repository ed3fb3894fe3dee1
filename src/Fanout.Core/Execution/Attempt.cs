using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Output;

namespace Fanout.Execution;

/// <summary>How one attempt on one target ended, before retries are decided.</summary>
/// <param name="State">The state the attempt would leave the target in.</param>
/// <param name="Result">What the operation returned, or <see langword="null"/> when it threw.</param>
/// <param name="Error">A one-line error, or <see langword="null"/>.</param>
/// <param name="Retryable">Whether the retry policy allows another attempt.</param>
/// <param name="LostSession">Whether the attempt failed on the connection, so a retry should reconnect.</param>
internal readonly record struct Attempt(TargetState State, OperationResult? Result, string? Error, bool Retryable, bool LostSession = false)
{
    public int? ExitCode => Result?.ExitCode;

    /// <summary>What the attempt printed when it ended without a result (timeout, cancel, lost connection).</summary>
    public CapturedOutput? PartialStdout { get; init; }

    /// <summary>What the attempt printed on stderr when it ended without a result.</summary>
    public CapturedOutput? PartialStderr { get; init; }

    public TargetOutcome ToOutcome(Target target, int attempts, int wave, DateTimeOffset startedAt, TimeSpan duration) => new()
    {
        Target = target.Name,
        TargetDefinition = target,
        State = State,
        ExitCode = Result?.ExitCode,
        Attempts = attempts,
        Wave = wave,
        StartedAt = startedAt,
        Duration = duration,
        Stdout = Result?.Stdout ?? PartialStdout ?? CapturedOutput.Empty,
        Stderr = Result?.Stderr ?? PartialStderr ?? CapturedOutput.Empty,
        Error = Error,
        Data = Result?.Data,
    };
}
