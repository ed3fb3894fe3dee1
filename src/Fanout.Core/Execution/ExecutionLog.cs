using Microsoft.Extensions.Logging;

namespace Fanout.Execution;

/// <summary>Compile-time log messages of the executor (STYLE 13).</summary>
internal static partial class ExecutionLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Run {RunId}: {Operation} on {Total} targets in {WaveCount} waves, parallel {MaxConcurrency}")]
    public static partial void RunStarting(ILogger logger, string runId, string operation, int total, int waveCount, int maxConcurrency);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Run {RunId} finished: {Succeeded} of {Total} succeeded{StopReason}")]
    public static partial void RunFinished(ILogger logger, string runId, int succeeded, int total, string stopReason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Target {Target} attempt {Attempt} failed ({State}): {Error}")]
    public static partial void AttemptFailed(ILogger logger, string target, int attempt, string state, string? error);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Run {RunId}: stopped scheduling: {Reason}")]
    public static partial void Stopping(ILogger logger, string runId, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Closing the session to {Target} failed")]
    public static partial void SessionCloseFailed(ILogger logger, string target, Exception exception);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Run {RunId}: {Count} targets did not stop within the grace period and were abandoned")]
    public static partial void Abandoned(ILogger logger, string runId, int count);
}
