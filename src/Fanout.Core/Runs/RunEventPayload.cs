using System.Text.Json;
using Fanout.Events;
using Fanout.Execution;

namespace Fanout.Runs;

/// <summary>Compact JSON payloads for stored events (outputs are stored on attempt rows, not in events).</summary>
internal static class RunEventPayload
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static string Serialize(RunEvent e, int sequence) => e switch
    {
        RunStarted s => Write(new { s.Operation, s.Total, s.WaveCount, s.MaxConcurrency }),
        WaveStarted w => Write(new { w.Wave, w.WaveCount, Targets = w.Targets.Count }),
        TargetStarted t => Write(new { t.Target, t.Wave, t.Attempt }),
        TargetRetrying r => Write(new { r.Target, r.Attempt, DelayMs = r.Delay.TotalMilliseconds, r.Error, r.ExitCode }),
        TargetFinished f => Write(new
        {
            f.Outcome.Target,
            State = f.Outcome.State.ToWireName(),
            f.Outcome.ExitCode,
            f.Outcome.Attempts,
            f.Outcome.Wave,
            DurationMs = f.Outcome.Duration.TotalMilliseconds,
            f.Outcome.Error,
        }),
        WaveFinished w => Write(new { w.Wave, w.Failed }),
        TargetRolledBack b => Write(new { b.Outcome.Target, b.Outcome.Succeeded, b.Outcome.Error }),
        RunFinished f => Write(new
        {
            f.Result.Total,
            Succeeded = f.Result.Count(TargetState.Succeeded),
            Failed = f.Result.Total - f.Result.Count(TargetState.Succeeded) - f.Result.Count(TargetState.Skipped),
            f.Result.Cancelled,
            f.Result.StopReason,
        }),
        _ => Write(new { Sequence = sequence }),
    };

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Json);
}
