using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Output;
using Fanout.Transports;
using Microsoft.Extensions.Logging;

namespace Fanout.Execution;

/// <summary>The executor's <see cref="OperationContext"/> for one attempt on one target.</summary>
internal sealed class AttemptContext : OperationContext
{
    private readonly ExecutionRun _run;
    private readonly int _index;
    private readonly Target _target;
    private readonly Dictionary<string, OutputCapture> _captures = new(StringComparer.Ordinal);

    public AttemptContext(ExecutionRun run, int index, Target target, int attempt, int wave)
    {
        _run = run;
        _index = index;
        _target = target;
        Attempt = attempt;
        Wave = wave;
    }

    public override string RunId => _run.RunId;

    public override int Attempt { get; }

    public override int Wave { get; }

    public override TimeProvider TimeProvider => _run.Time;

    public override ILogger Logger => _run.Logger;

    public override async ValueTask<ISession> GetSessionAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _run.Sessions.GetAsync(_index, _target, cancellationToken).ConfigureAwait(false);
        }
        catch (Transports.TransportException ex)
        {
            SessionFailure = ex;
            throw;
        }
    }

    /// <summary>Why the attempt never got a session to its target (the target is <c>unreachable</c>), or <see langword="null"/>.</summary>
    public Exception? SessionFailure { get; private set; }

    /// <summary>Records that the target was unreachable from where it really ran (a cluster worker reported it so).</summary>
    internal void MarkUnreachable(Exception failure) => SessionFailure = failure;

    public override OutputCapture CreateOutputCapture(string stream)
    {
        ArgumentException.ThrowIfNullOrEmpty(stream);
        ExecutionRun run = _run;
        string target = _target.Name;
        int attempt = Attempt;
        int cap = run.Options.OutputCap;
        OutputObserver? observer = run.Tracker?.OutputObservers;
        var capture = new OutputCapture(cap, () => run.SpillPath(target, attempt, stream), run.OutputBudget, Math.Min(cap / 4, OutputCapture.DefaultTail))
        {
            Observer = observer is null ? null : data => observer(target, attempt, stream, data),
        };
        lock (_captures)
        {
            _captures[stream] = capture;
        }

        return capture;
    }

    /// <summary>
    /// What the attempt's latest <c>stdout</c> and <c>stderr</c> captures hold: kept when the
    /// operation ended without a result (timeout, cancel, lost connection), so output printed before
    /// is never thrown away (SPEC X13).
    /// </summary>
    public (CapturedOutput Stdout, CapturedOutput Stderr) CompleteCaptures()
    {
        lock (_captures)
        {
            return (Complete("stdout"), Complete("stderr"));
        }

        CapturedOutput Complete(string stream) => _captures.TryGetValue(stream, out OutputCapture? c) ? c.Complete() : CapturedOutput.Empty;
    }
}
