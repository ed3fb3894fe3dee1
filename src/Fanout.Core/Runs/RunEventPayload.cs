using System.Text.Json;
using Fanout.Events;
using Fanout.Execution;
using Fanout.Workflows.Engine;

namespace Fanout.Runs;

/// <summary>Compact JSON payloads for stored events (outputs are stored on attempt rows, not in events).</summary>
internal static class RunEventPayload
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static string Serialize(RunEvent e, int sequence) => e switch
    {
        RunStarted s => Write(new { s.Operation, s.Total, s.WaveCount, s.MaxConcurrency }),
        WaveStarted w => Write(new { w.Wave, w.WaveCount, Targets = w.Targets.Count }),
        TargetStarted t => Write(new { t.Target, t.Wave, t.Attempt, t.Step }),
        TargetRetrying r => Write(new { r.Target, r.Attempt, DelayMs = r.Delay.TotalMilliseconds, r.Error, r.ExitCode }),
        TargetFinished f => Finished(f.Outcome),
        WaveFinished w => Write(new { w.Wave, w.Failed }),
        TargetRolledBack b => Write(new { b.Outcome.Target, b.Outcome.Succeeded, b.Outcome.Error }),
        // Counts of this execution; failed = failed + timed-out as in history, cancelled/not-run targets counted apart.
        RunFinished f => Write(new
        {
            f.Result.Total,
            Succeeded = f.Result.Count(TargetState.Succeeded),
            Failed = f.Result.Count(TargetState.Failed) + f.Result.Count(TargetState.TimedOut) + f.Result.Count(TargetState.Unreachable),
            f.Result.Cancelled,
            f.Result.StopReason,
            TimedOut = f.Result.Count(TargetState.TimedOut),
            Unreachable = f.Result.Count(TargetState.Unreachable),
            CancelledTargets = f.Result.Count(TargetState.Cancelled),
            NotRun = f.Result.Count(TargetState.NotRun),
            Skipped = f.Result.Count(TargetState.Skipped),
        }),
        StepStarted s => Write(new { s.Path, s.Attempt, s.Targets, s.Message }),
        StepFinished s => Write(new
        {
            s.Path,
            State = s.State.ToWireName(),
            s.Attempts,
            s.ExitCode,
            DurationMs = Math.Round(s.Duration.TotalMilliseconds, 3),
            s.Error,
            s.SkipReason,
            s.Targets,
            FailedTargets = s.FailedTargets.Count,
            Failed = s.FailedTargets.Take(20),
            s.Restored,
        }),
        ApprovalRequested a => Write(new { a.Path }),
        ApprovalDecided a => Write(new { a.Path, a.Approved, a.Detail }),
        BreakerOpened b => Write(new { b.Name, b.Path, b.Failures }),
        RollbackStarted r => Write(new { r.Reason }),
        _ => Write(new { Sequence = sequence }),
    };

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Json);

    // One per target: written by hand, the reflection serializer costs several times more per event.
    private static string Finished(TargetOutcome o)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("target", o.Target);
            w.WriteString("state", o.State.ToWireName());
            if (o.ExitCode is { } exit)
            {
                w.WriteNumber("exitCode", exit);
            }
            else
            {
                w.WriteNull("exitCode");
            }

            w.WriteNumber("attempts", o.Attempts);
            w.WriteNumber("wave", o.Wave);
            w.WriteNumber("durationMs", Math.Round(o.Duration.TotalMilliseconds, 3));
            w.WriteString("error", o.Error);
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
