using Fanout.Cluster.Workers;
using Fanout.Operations;
using Fanout.Output;

namespace Fanout.Cluster.Dispatch;

/// <summary>
/// The output of one attempt of a target leased to workers, captured on the coordinator as the worker sends it: the interim
/// reports' bytes are written to the attempt's own captures (<see cref="OperationContext.CreateOutputCapture"/>) as they arrive,
/// so the run's output observers — this server's live view, the recorder's partial rows — see them as a local target's; the
/// final report adds what was not forwarded. A worker lost mid-target leaves a note and the next worker's output follows.
/// </summary>
internal sealed class ForwardedOutput(OperationContext context)
{
    private readonly Lock _lock = new();
    private OutputCapture? _stdout;
    private OutputCapture? _stderr;
    private long _stdoutSent; // bytes of the current lease already written
    private long _stderrSent;

    /// <summary>An interim report's bytes.</summary>
    public void Add(TargetReport report)
    {
        lock (_lock)
        {
            Write(ref _stdout, "stdout", report.Stdout);
            _stdoutSent += report.Stdout.Length;
            Write(ref _stderr, "stderr", report.Stderr);
            _stderrSent += report.Stderr.Length;
        }
    }

    /// <summary>The lease's worker was lost: <paramref name="note"/> goes to stderr, the next lease's output follows from its start.</summary>
    public void Lost(string note)
    {
        lock (_lock)
        {
            Write(ref _stderr, "stderr", System.Text.Encoding.UTF8.GetBytes(_stderr is { TotalBytes: > 0 } ? "\n" + note : note));
            _stdoutSent = 0;
            _stderrSent = 0;
        }
    }

    /// <summary>
    /// The final report of a lease withdrawn after a timeout or cancel: writes what the interim reports did not carry and
    /// leaves the streams open: the executor completes them as it does a stopped local target's.
    /// </summary>
    public void Keep(TargetReport report)
    {
        lock (_lock)
        {
            Append(ref _stdout, "stdout", report.Stdout, report.StdoutBytes, _stdoutSent);
            Append(ref _stderr, "stderr", report.Stderr, report.StderrBytes, _stderrSent);
            _stdoutSent = Math.Max(_stdoutSent, report.Stdout.Length);
            _stderrSent = Math.Max(_stderrSent, report.Stderr.Length);
        }
    }

    /// <summary>The final report: writes what the interim reports did not carry and completes both streams.</summary>
    public (CapturedOutput Stdout, CapturedOutput Stderr) Complete(TargetReport report)
    {
        lock (_lock)
        {
            return (Finish(ref _stdout, "stdout", report.Stdout, report.StdoutBytes, _stdoutSent), Finish(ref _stderr, "stderr", report.Stderr, report.StderrBytes, _stderrSent));
        }
    }

    private CapturedOutput Finish(ref OutputCapture? capture, string stream, byte[] bytes, long total, long sent)
    {
        Append(ref capture, stream, bytes, total, sent);
        if (capture is null)
        {
            return CapturedOutput.Empty;
        }

        using (capture)
        {
            return capture.Complete();
        }
    }

    private void Append(ref OutputCapture? capture, string stream, byte[] bytes, long total, long sent)
    {
        if (sent < bytes.Length)
        {
            Write(ref capture, stream, bytes.AsSpan((int)sent));
        }

        if (total > Math.Max(bytes.Length, sent))
        {
            Write(ref capture, stream, System.Text.Encoding.UTF8.GetBytes($"\n[fanout] {total - Math.Max(bytes.Length, sent)} more bytes were printed on the worker and not sent back\n"));
        }
    }

    private void Write(ref OutputCapture? capture, string stream, ReadOnlySpan<byte> bytes)
    {
        if (!bytes.IsEmpty)
        {
            (capture ??= context.CreateOutputCapture(stream)).Write(bytes);
        }
    }
}
