using System.Text;
using System.Text.Json;
using Fanout.Execution;
using Fanout.Runs;
using Fanout.Server.Batches;
using Microsoft.AspNetCore.Http;

namespace Fanout.Server.Tests.Batches;

/// <summary>
/// Counts add up, whatever the events (issue 9 item 6): random event sequences of a run — targets finishing in any order and
/// state, crashes (an execution that never wrote its end, targets running again after a resume), resumed executions that
/// finished (their own <c>batch-finished</c>), a client reconnecting with a random <c>Last-Event-ID</c> — through the one SSE
/// frame writer. Always: ids never go back and nothing at or before the client's id is sent again; every <c>progress</c> has
/// its states adding up to <c>completed</c> ≤ <c>total</c> and at most 100 %; the stream ends with exactly one
/// <c>batch-finished</c> whose counts add up to <c>total</c>.
/// </summary>
public sealed class SseCountsPropertyTests
{
    private static readonly TargetState[] States =
        [TargetState.Succeeded, TargetState.Failed, TargetState.TimedOut, TargetState.Cancelled, TargetState.NotRun, TargetState.Skipped];

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task RandomRunsWithCrashesAndResumes_CountsAddUp_IdsNeverGoBack_OneTerminalEvent(int seed)
    {
        var random = new Random(seed);
        int total = random.Next(1, 40);
        (List<LiveEvent> events, RunStatus final) = RandomRun(random, total);
        long lastSequence = events.Count == 0 ? 0 : events[^1].Sequence;
        long lastEventId = random.Next(3) == 0 ? 0 : random.Next(0, (int)lastSequence + 1);

        List<(long Id, string Name, JsonElement Data)> frames = await WriteAsync(events, lastEventId, total, final);

        string context = $"seed {seed}, total {total}, last id {lastEventId}, events: {string.Join(" ", events.Select(e => $"{e.Sequence}:{e.Name}:{e.Target}:{e.Finished}"))}";
        long previous = lastEventId;
        foreach ((long id, string name, JsonElement data) in frames)
        {
            Assert.True(id >= previous || (name == "batch-finished" && id == previous), $"id {id} after {previous} ({context})");
            Assert.True(id > lastEventId || (name == "batch-finished" && events.All(e => e.Sequence <= lastEventId)), $"id {id} was already seen ({context})");
            previous = Math.Max(previous, id);
            if (name == "progress")
            {
                int completed = data.GetProperty("completed").GetInt32();
                Assert.Equal(total, data.GetProperty("total").GetInt32());
                Assert.True(completed <= total, $"completed {completed} > total {total} ({context})");
                Assert.Equal(completed, Sum(data, "succeeded", "failed", "timedOut", "cancelled", "notRun", "skipped"));
                Assert.InRange(data.GetProperty("progress").GetDouble(), 0, 100);
            }
        }

        if (final != RunStatus.Interrupted && lastEventId >= lastSequence)
        {
            Assert.Empty(frames); // the client already has the recorded batch-finished
            return;
        }

        Assert.Equal(1, frames.Count(f => f.Name == "batch-finished"));
        (long _, string last, JsonElement end) = frames[^1];
        Assert.Equal("batch-finished", last);
        Assert.Equal(total, end.GetProperty("total").GetInt32());
        // failed = failed + timed-out (as in history); timedOut is given apart.
        Assert.Equal(total, Sum(end, "succeeded", "failed", "cancelledTargets", "notRun", "skipped"));
        Assert.Equal(final.ToWireName(), end.GetProperty("status").GetString());
    }

    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        for (int seed = 1; seed <= 300; seed++)
        {
            data.Add(seed);
        }

        return data;
    }

    /// <summary>
    /// One run as the store holds its events: one or more executions (the first, then resumes), each finishing some targets —
    /// targets completed earlier are not run again, in-flight ones are — and ending with <c>batch-finished</c> or crashing.
    /// </summary>
    private static (List<LiveEvent> Events, RunStatus Final) RandomRun(Random random, int total)
    {
        var events = new List<LiveEvent>();
        var completed = new HashSet<string>(StringComparer.Ordinal);
        long sequence = 0;
        int executions = random.Next(1, 4);
        RunStatus final = RunStatus.Interrupted;
        for (int execution = 0; execution < executions; execution++)
        {
            List<string> open = [.. Enumerable.Range(0, total).Select(i => $"t{i:D3}").Where(t => !completed.Contains(t)).OrderBy(_ => random.Next())];
            bool crashes = execution < executions - 1 ? random.Next(2) == 0 : random.Next(3) == 0;
            int finishing = crashes ? random.Next(0, open.Count + 1) : open.Count;
            foreach (string target in open.Take(finishing))
            {
                events.Add(new LiveEvent(++sequence, "target-started", "{}", null, target));
                TargetState state = States[random.Next(States.Length)];
                events.Add(new LiveEvent(++sequence, "target-finished", JsonSerializer.Serialize(new { target, state = state.ToWireName() }), state, target));
                if (state is TargetState.Succeeded or TargetState.Skipped)
                {
                    completed.Add(target);
                }
            }

            if (crashes)
            {
                final = RunStatus.Interrupted; // the process died: no batch-finished of this execution
                continue;
            }

            final = completed.Count == total ? RunStatus.Succeeded : RunStatus.Failed;
            events.Add(new LiveEvent(++sequence, "batch-finished", JsonSerializer.Serialize(new { cancelled = false, stopReason = (string?)null }), null));
        }

        return (events, final);
    }

    private static async Task<List<(long, string, JsonElement)>> WriteAsync(List<LiveEvent> events, long lastEventId, int total, RunStatus final)
    {
        var http = new DefaultHttpContext();
        using var body = new MemoryStream();
        http.Response.Body = body;
        var writer = new SseFrameWriter(http.Response, lastEventId, total);
        foreach (LiveEvent e in events)
        {
            await writer.WriteAsync(e, CancellationToken.None);
        }

        await writer.FinishAsync(final, stopReason: null, CancellationToken.None);
        var frames = new List<(long, string, JsonElement)>();
        foreach (string block in Encoding.UTF8.GetString(body.ToArray()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            string[] lines = block.Split('\n');
            long id = long.Parse(lines.Single(l => l.StartsWith("id: ", StringComparison.Ordinal))[4..], System.Globalization.CultureInfo.InvariantCulture);
            string name = lines.Single(l => l.StartsWith("event: ", StringComparison.Ordinal))[7..];
            using var doc = JsonDocument.Parse(lines.Single(l => l.StartsWith("data: ", StringComparison.Ordinal))[6..]);
            frames.Add((id, name, doc.RootElement.Clone()));
        }

        return frames;
    }

    private static int Sum(JsonElement data, params string[] names) => names.Sum(n => data.GetProperty(n).GetInt32());
}
