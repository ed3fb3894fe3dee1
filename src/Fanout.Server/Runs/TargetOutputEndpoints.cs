using System.Text;
using Fanout.Runs;
using Fanout.Security;
using Fanout.Server.Auth;
using Fanout.Server.Batches;
using Fanout.Server.Http;

namespace Fanout.Server.Runs;

/// <summary>
/// <c>GET /api/runs/{id}/targets/{target}/output</c>: one stream of one target from a byte offset — live while the target runs
/// on this server (<see cref="LiveOutput"/>), the head and tail its run's owner last wrote into the running attempt's row while
/// it runs elsewhere (another server instance, a cluster worker: <c>partial</c>), else the recorded attempt's full text (the
/// store's log file). A client follows a running target by asking again from <c>next</c> until <c>done</c> (from 0 while the
/// answers are <c>partial</c>: each is the whole snapshot).
/// </summary>
internal static class TargetOutputEndpoints
{
    /// <summary>The most bytes one answer carries (ask again from <c>next</c> for more).</summary>
    public const int MaxBytes = 64 * 1024;

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/api/runs/{id}/targets/{target}/output", ReadAsync).WithTags("Runs").WithName("GetTargetOutput")
            .Produces<TargetOutputDocument>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .WithMetadata(new RequiresRoleAttribute(ApiRole.Viewer));

    private static async Task<IResult> ReadAsync(string id, string target, string? stream, long? offset, int? attempt, IRunStore store, BatchQueue queue,
        CancellationToken cancellationToken)
    {
        var errors = new Problems.ErrorSet();
        stream ??= "stdout";
        if (stream is not ("stdout" or "stderr"))
        {
            errors.Add("stream", $"unknown stream '{stream}': expected stdout or stderr");
        }

        if (offset is < 0)
        {
            errors.Add("offset", $"offset must be 0 or more (got {offset})");
        }

        if (attempt is < 1)
        {
            errors.Add("attempt", $"attempt must be 1 or more (got {attempt})");
        }

        if (errors.Any)
        {
            return Problems.Validation(errors.ToDictionary());
        }

        if (await store.GetRunAsync(id, cancellationToken) is not { } run)
        {
            return Problems.NotFound($"no run with id '{id}'");
        }

        long from = offset ?? 0;
        IReadOnlyList<TargetAttemptRecord> stored = [.. (await store.GetAttemptsAsync(id, new AttemptQuery { Target = target }, cancellationToken))
            .Where(a => a.Attempt > 0 && (attempt is null || a.Attempt == attempt)).OrderBy(a => a.Attempt)];
        TargetAttemptRecord? last = stored.Count == 0 ? null : stored[^1];
        BatchState? live = queue.Find(id);
        if (live?.Output.Read(target, stream, from, MaxBytes) is { } slice && (attempt is null || slice.Attempt == attempt) && (last is null || slice.Attempt >= last.Attempt)
            && !(slice.Ended && last is { EndedAt: not null } && last.Attempt == slice.Attempt && slice.Skipped))
        {
            return Results.Ok(new TargetOutputDocument(id, target, stream, slice.Attempt, "live", slice.Offset, slice.Next, slice.Text, slice.Skipped, slice.Ended));
        }

        if (last is { EndedAt: not null })
        {
            byte[] bytes = Encoding.UTF8.GetBytes(StoredResults.ReadFull(stream == "stdout" ? last.Stdout : last.Stderr, stream == "stdout" ? last.StdoutLog : last.StderrLog));
            int start = (int)Math.Min(from, bytes.Length);
            int count = Math.Min(MaxBytes, bytes.Length - start);
            int complete = start + count < bytes.Length ? Utf8.CompleteLength(bytes.AsSpan(start, count)) : count;
            return Results.Ok(new TargetOutputDocument(id, target, stream, last.Attempt, "stored", start, start + complete, Encoding.UTF8.GetString(bytes, start, complete), false,
                start + complete == bytes.Length));
        }

        if (last is { EndedAt: null, State: AttemptState.Running } && (last.Stdout is not null || last.Stderr is not null))
        {
            // Running on another server instance or a cluster worker: what its run's recorder last wrote into the attempt row.
            byte[] bytes = Encoding.UTF8.GetBytes((stream == "stdout" ? last.Stdout : last.Stderr) ?? string.Empty);
            int start = (int)Math.Min(from, bytes.Length);
            int count = Math.Min(MaxBytes, bytes.Length - start);
            return Results.Ok(new TargetOutputDocument(id, target, stream, last.Attempt, "partial", start, start + count, Encoding.UTF8.GetString(bytes, start, count), false, false));
        }

        // Nothing printed yet (or the target runs elsewhere and is not recorded yet): ask again, unless the run has ended.
        bool ended = live is null && run.Status is not (RunStatus.Running or RunStatus.Queued or RunStatus.AwaitingApproval);
        return Results.Ok(new TargetOutputDocument(id, target, stream, last?.Attempt, live is null ? "none" : "live", from, from, string.Empty, false, ended));
    }
}

/// <summary>
/// Part of a target's stdout or stderr: <c>text</c> holds the bytes from <c>offset</c> to <c>next</c> (UTF-8, never split inside a
/// character); <c>source</c> is <c>live</c> (the running attempt, held on this server), <c>partial</c> (the running attempt as its
/// owner recorded it about a second ago: the first 2 KiB and last 6 KiB of the stream so far, the bytes between left out as in a
/// stored attempt's text; offsets are in this text, which is replaced by the next snapshot), <c>stored</c> (the recorded attempt)
/// or <c>none</c> (nothing yet); <c>skipped</c> says bytes between the asked offset and <c>offset</c> are no longer held live (the
/// recorded attempt has them all once it ends); <c>done</c> says the stream has ended and <c>next</c> is its end.
/// </summary>
internal sealed record TargetOutputDocument(string RunId, string Target, string Stream, int? Attempt, string Source, long Offset, long Next, string Text, bool Skipped, bool Done);
