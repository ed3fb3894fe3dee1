using System.Globalization;
using Fanout.Events;
using Fanout.Execution;
using Fanout.Workflows.Engine;

namespace Fanout.Cli.Rendering;

/// <summary>
/// Progress for pipes and CI (SPEC X8, W17), for every kind of run: one line per finished target,
/// <c>[ 12/200] web-03  succeeded  exit=0  0.21s</c>, plus a line when a wave starts (for more than one wave). In a
/// workflow run, one line per finished step (<c>✓ rollout: succeeded 331/334 (3 failed: node-0113, …)  1m2s</c>), per
/// target of a fan-out step (named <c>STEP/TARGET</c>), per approval asked for, retry, breaker opened and rollback.
/// Thread-safe; lines are written whole.
/// </summary>
internal sealed class PlainProgressWriter
{
    private readonly TextWriter _writer;
    private readonly Lock _gate = new();
    private int _total;
    private int _finished;
    private int _nameWidth = 12;

    public PlainProgressWriter(TextWriter writer) => _writer = writer;

    public void OnEvent(RunEvent e)
    {
        lock (_gate)
        {
            switch (e)
            {
                case RunStarted started:
                    _total = started.Total;
                    break;
                case WaveStarted wave when wave.WaveCount > 1:
                    _nameWidth = Math.Clamp(wave.Targets.Count == 0 ? _nameWidth : wave.Targets.Max(t => t.Length), _nameWidth, 30);
                    _writer.WriteLine($"-- wave {wave.Wave}/{wave.WaveCount}: {wave.Targets.Count} targets");
                    break;
                case WaveStarted wave:
                    _nameWidth = Math.Clamp(wave.Targets.Count == 0 ? _nameWidth : wave.Targets.Max(t => t.Length), 12, 30);
                    break;
                case StepStarted { Attempt: > 1 } retry:
                    _writer.WriteLine($"{StepTree.Mark(StepState.Running)} {retry.Path}: {retry.Message ?? "retrying"}");
                    break;
                case StepFinished { Restored: false } step:
                    _writer.WriteLine(StepLine(step));
                    break;
                case ApprovalRequested approval:
                    _writer.WriteLine($"{StepTree.Mark(StepState.AwaitingApproval)} {approval.Path}: awaiting-approval — waiting for approval: fanout approve {approval.RunId} {approval.Path}");
                    break;
                case ApprovalDecided decided:
                    _writer.WriteLine($"{(decided.Approved ? "✓" : "✗")} {decided.Path}: {decided.Detail ?? (decided.Approved ? "approved" : "rejected")}");
                    break;
                case BreakerOpened breaker:
                    _writer.WriteLine($"circuit breaker '{breaker.Name}' opened after {breaker.Failures} failure(s) ({breaker.Path})");
                    break;
                case RollbackStarted rollback:
                    _writer.WriteLine("rolling back: " + rollback.Reason);
                    break;
                case TargetRetrying { Step: { } step } retry when step == retry.Target:
                    break; // a plain step's retry: the step's line says it
                case TargetFinished { Step: { } step } finished when step == finished.Outcome.Target:
                    _finished++; // a plain step: its step line says it
                    break;
                case TargetRetrying retry:
                    _writer.WriteLine($"{new string(' ', Counter(0).Length)} {retry.Target.PadRight(_nameWidth)}  retrying   attempt {retry.Attempt} failed{(retry.Error is null ? string.Empty : ": " + retry.Error)}; next in {Duration.Format(retry.Delay)}");
                    break;
                case TargetFinished finished:
                    _finished++;
                    _writer.WriteLine(Line(Counter(_finished), finished.Outcome, _nameWidth));
                    break;
                case TargetRolledBack rolledBack:
                    _writer.WriteLine($"rollback {rolledBack.Outcome.Target}: {(rolledBack.Outcome.Succeeded ? "ok" : "failed: " + rolledBack.Outcome.Error)}");
                    break;
            }

            _writer.Flush();
        }
    }

    /// <summary>Formats one finished workflow step: mark, path, state, a fan-out step's tally, duration, the reason.</summary>
    public static string StepLine(StepFinished step)
    {
        string line = $"{StepTree.Mark(step.State)} {step.Path}: {step.State.ToWireName()}{StepTree.Tally(step.State, 0, step.Targets, step.FailedTargets)}";
        if (step.Attempts > 0)
        {
            line += "  " + Duration.Format(step.Duration);
        }

        if ((step.Error ?? step.SkipReason) is { } reason)
        {
            int end = reason.IndexOf('\n', StringComparison.Ordinal);
            line += " — " + (end < 0 ? reason : reason[..end]);
        }

        return line;
    }

    /// <summary>Formats one finished target.</summary>
    public static string Line(string counter, TargetOutcome o, int nameWidth)
    {
        string exit = o.ExitCode is { } code ? "exit=" + code.ToString(CultureInfo.InvariantCulture) : "exit=-";
        string line = $"{counter} {o.Target.PadRight(nameWidth)}  {o.State.ToWireName(),-9}  {exit,-8} {Duration.Format(o.Duration),7}";
        if (o.Error is { } error)
        {
            int end = error.IndexOf('\n', StringComparison.Ordinal);
            line += "  " + (end < 0 ? error : error[..end]);
        }

        return line;
    }

    private string Counter(int n)
    {
        string total = _total.ToString(CultureInfo.InvariantCulture);
        return "[" + n.ToString(CultureInfo.InvariantCulture).PadLeft(total.Length) + "/" + total + "]";
    }
}
