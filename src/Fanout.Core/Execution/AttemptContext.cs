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

    public override ValueTask<ISession> GetSessionAsync(CancellationToken cancellationToken)
        => _run.Sessions.GetAsync(_index, _target, cancellationToken);

    public override OutputCapture CreateOutputCapture(string stream)
    {
        ArgumentException.ThrowIfNullOrEmpty(stream);
        ExecutionRun run = _run;
        string target = _target.Name;
        int attempt = Attempt;
        return new OutputCapture(run.Options.OutputCap, () => run.SpillPath(target, attempt, stream));
    }
}
