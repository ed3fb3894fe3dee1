using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Fanout.Cluster.Workers;

/// <summary>
/// Replaces Orleans' fatal-error handler, which ends the process with <see cref="Environment.FailFast(string)"/> — what
/// Orleans does when this silo learns that the cluster declared it dead (it was partitioned away, or too slow to answer
/// probes). Before the process ends, every target this silo runs is stopped (process groups killed), so a target whose
/// lease the coordinator re-issued to another worker never keeps running here too (SPEC A8: a worker that loses its
/// membership kills its running targets before it exits).
/// </summary>
internal sealed partial class WorkerFatalErrorHandler(WorkerRuntime runtime, ILogger<WorkerFatalErrorHandler> logger) : IFatalErrorHandler
{
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(10);

    public bool IsUnexpected(Exception exception) => exception is not ThreadInterruptedException;

    public void OnFatalException(object? sender = null, string? context = null, Exception? exception = null)
    {
        int running = runtime.Running;
        LogFatal(logger, exception, context ?? "(no context)", running);
        bool stopped = runtime.AbortAll(StopWait);
        string message = $"fanout: the cluster silo stopped: {context}{(exception is null ? "" : $" ({exception.Message})")}; "
            + (stopped ? $"{running} running targets were stopped" : $"{runtime.Running} targets were still stopping after {StopWait.TotalSeconds:0} s");
        Console.Error.WriteLine(message);
        Environment.FailFast(message, exception);
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "Orleans reported a fatal error ({Context}); stopping the {Running} running targets before the process ends")]
    private static partial void LogFatal(ILogger logger, Exception? exception, string context, int running);
}
