using System.Collections.Concurrent;
using Fanout.Workflows.Engine;

namespace Fanout.Core.Tests.Workflows.Engine;

/// <summary>
/// An in-memory step executor for the runner's logic: a command <c>fail</c> fails (exit 1), <c>fail-N</c> fails its
/// first N attempts, <c>timeout</c> times out, anything else succeeds with the text after <c>echo</c> as stdout. It
/// logs every start and end (with the clock's time) and the highest number of steps in flight.
/// </summary>
internal sealed class ScriptedExecutor : IStepExecutor
{
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, int> _attempts = new();
    private int _current;
    private int _max;

    public ScriptedExecutor(TimeProvider? time = null, TimeSpan? hold = null)
    {
        _time = time ?? TimeProvider.System;
        Hold = hold ?? TimeSpan.Zero;
    }

    /// <summary>How long each step stays in flight (real time; only for concurrency tests).</summary>
    public TimeSpan Hold { get; }

    public ConcurrentQueue<(string Path, string Phase, DateTimeOffset At, string? Text)> Log { get; } = new();

    public int MaxConcurrent => Volatile.Read(ref _max);

    public IEnumerable<string> Started => Log.Where(l => l.Phase == "start").Select(l => l.Path);

    public async Task<StepExecution> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        int now = Interlocked.Increment(ref _current);
        int seen;
        while (now > (seen = Volatile.Read(ref _max)) && Interlocked.CompareExchange(ref _max, now, seen) != seen)
        {
        }

        string text = (invocation.Command ?? invocation.Script ?? string.Empty).Trim();
        Log.Enqueue((invocation.Path, "start", _time.GetUtcNow(), text));
        try
        {
            if (Hold > TimeSpan.Zero)
            {
                await Task.Delay(Hold, cancellationToken);
            }

            int attempt = _attempts.AddOrUpdate(invocation.Path, 1, (_, a) => a + 1);
            if (text == "fail" || (text.StartsWith("fail-", StringComparison.Ordinal) && attempt <= int.Parse(text[5..], System.Globalization.CultureInfo.InvariantCulture)))
            {
                return new StepExecution { State = StepState.Failed, ExitCode = 1, Error = "exit code 1" };
            }

            if (text == "timeout")
            {
                return new StepExecution { State = StepState.TimedOut, Error = "timed out" };
            }

            string stdout = text.StartsWith("echo ", StringComparison.Ordinal) ? text[5..] : text;
            return new StepExecution { State = StepState.Succeeded, ExitCode = 0, Stdout = stdout + "\n" };
        }
        finally
        {
            Log.Enqueue((invocation.Path, "end", _time.GetUtcNow(), null));
            Interlocked.Decrement(ref _current);
        }
    }

    public int IndexOf(string path, string phase = "start") =>
        Log.Select((l, i) => (l, i)).First(x => x.l.Path == path && x.l.Phase == phase).i;
}
