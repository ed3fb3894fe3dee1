using System.Globalization;
using Fanout.Events;
using Fanout.Execution;

namespace Fanout.Cli.Rendering;

/// <summary>
/// Progress for pipes and CI (SPEC X8): one line per finished target,
/// <c>[ 12/200] web-03  succeeded  exit=0  0.21s</c>, plus a line when a wave starts (for more than one wave).
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
