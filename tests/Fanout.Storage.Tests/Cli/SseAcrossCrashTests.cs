using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fanout.Runs;

namespace Fanout.Storage.Tests.Cli;

/// <summary>
/// Event ids come from the store and stay monotonic across <c>kill -9</c> and resume (issue 9 item 6), against real
/// <c>fanout serve</c> processes: the replay of the interrupted run ends with a terminal <c>batch-finished</c> (status
/// interrupted) that reuses the last stored id, the resumed execution continues the numbering, and a client reconnecting
/// with <c>Last-Event-ID</c> gets exactly the stored events after it — none skipped, none repeated.
/// </summary>
public sealed class SseAcrossCrashTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-sse-crash-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Store => Path.Combine(_dir, "store.db");

    [Fact(Timeout = 240000)]
    public async Task Kill9ThenResume_EventIdsContinue_LastEventIdNeverSkips_ReplayEndsWithTerminalEvent()
    {
        string inventory = FanoutProcess.WriteInventory(_dir, 3);
        string marker = Path.Combine(_dir, "m");
        string token = await ServeProcess.CreateTokenAsync(_dir, Store);
        string batch;
        ServeProcess first = await ServeProcess.StartAsync(_dir, Store, token, "-i", inventory);
        await using (first)
        {
            using HttpResponseMessage created = await first.Client.PostAsJsonAsync(new Uri("/api/executions/batch", UriKind.Relative), new
            {
                targetNodeIds = new[] { "t000", "t001", "t002" },
                action = new { type = "command", value = $"if [ -f {marker}.$FANOUT_TARGET ]; then echo again; elif [ $FANOUT_TARGET = t000 ]; then touch {marker}.t000; echo first; else touch {marker}.$FANOUT_TARGET; sleep 120; fi" },
            });
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
            batch = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("batchId").GetString()!;
            await using IRunStore store = await StoreFactory.OpenAsync(Store, CancellationToken.None);
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (!File.Exists($"{marker}.t001") || !File.Exists($"{marker}.t002")
                || !(await store.GetEventsAsync(batch, 0, 1000, CancellationToken.None)).Any(e => e.Type == "TargetFinished"))
            {
                await Task.Delay(50, deadline.Token); // t000 finished and recorded, t001/t002 in flight
            }

            await first.KillAsync();
        }

        long crashedLast;
        await using (IRunStore store = await StoreFactory.OpenAsync(Store, CancellationToken.None))
        {
            crashedLast = await store.GetLastSequenceAsync(batch, CancellationToken.None);
        }

        await using ServeProcess second = await ServeProcess.StartAsync(_dir, Store, token, "-i", inventory);
        List<Frame> replay = await ReadAsync(second, batch, null);
        Assert.Equal("batch-finished", replay[^1].Name);
        Assert.Equal("interrupted", replay[^1].Data.GetProperty("status").GetString());
        Assert.Equal(crashedLast, replay[^1].Id); // the synthesized end reuses the last stored id: a reconnect skips nothing
        Assert.Equal(3, replay[^1].Data.GetProperty("total").GetInt32());

        using (HttpResponseMessage resume = await second.Client.PostAsync(new Uri($"/api/runs/{batch}/resume", UriKind.Relative), null))
        {
            Assert.True(resume.StatusCode == HttpStatusCode.Accepted, await resume.Content.ReadAsStringAsync());
        }

        // Reconnecting with the last id seen before the crash gets what the resumed execution adds, numbered after it.
        List<Frame> after = await ReadAsync(second, batch, crashedLast);
        Assert.All(after, f => Assert.True(f.Id > crashedLast, $"event {f.Id} {f.Name} at or before Last-Event-ID {crashedLast}"));
        Assert.Equal("batch-finished", after[^1].Name);
        Assert.Equal("succeeded", after[^1].Data.GetProperty("status").GetString());

        long[] stored;
        await using (IRunStore store = await StoreFactory.OpenAsync(Store, CancellationToken.None))
        {
            stored = [.. (await store.GetEventsAsync(batch, 0, 10_000, CancellationToken.None)).Select(e => e.Sequence)];
            Assert.Equal(RunStatus.Succeeded, (await store.GetRunAsync(batch, CancellationToken.None))!.Status);
        }

        // The store's numbering never restarted: strictly increasing across the crash (gaps are the unstored TargetStarted events).
        Assert.True(stored.Zip(stored.Skip(1)).All(p => p.First < p.Second), string.Join(",", stored));
        Assert.Contains(stored, s => s > crashedLast);
        // Live, the stream also carries the unstored TargetStarted events; every stored one after the crash was streamed, in order.
        Assert.Subset(after.Select(f => f.Id).ToHashSet(), stored.Where(s => s > crashedLast).ToHashSet());
        Assert.True(after.Zip(after.Skip(1)).All(p => p.First.Id <= p.Second.Id), string.Join(",", after.Select(f => f.Id)));

        // From any id, a reconnect gets exactly the stored events after it.
        foreach (long from in new[] { 0L, 1L, crashedLast - 1, crashedLast, stored[^2] })
        {
            List<Frame> frames = await ReadAsync(second, batch, from);
            Assert.Equal(stored.Where(s => s > from), frames.Select(f => f.Id).Where(id => id > from).Distinct());
            Assert.All(frames, f => Assert.True(f.Id > from || f.Name == "batch-finished", $"event {f.Id} {f.Name} repeated after Last-Event-ID {from}"));
            Assert.Equal(1, frames.Count(f => f.Name == "batch-finished"));
            foreach (Frame p in frames.Where(f => f.Name == "progress"))
            {
                Assert.InRange(p.Data.GetProperty("completed").GetInt32(), 0, 3);
                Assert.InRange(p.Data.GetProperty("progress").GetDouble(), 0, 100);
            }
        }
    }

    private sealed record Frame(long Id, string Name, JsonElement Data);

    /// <summary>Reads the whole event stream (it ends after batch-finished).</summary>
    private static async Task<List<Frame>> ReadAsync(ServeProcess serve, string batch, long? lastEventId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/executions/batch/{batch}/events", UriKind.Relative));
        if (lastEventId is { } id)
        {
            request.Headers.Add("Last-Event-ID", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        using HttpResponseMessage response = await serve.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string text = await response.Content.ReadAsStringAsync();
        var frames = new List<Frame>();
        foreach (string block in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            string[] lines = block.Split('\n');
            if (lines.FirstOrDefault(l => l.StartsWith("id: ", StringComparison.Ordinal)) is not { } idLine)
            {
                continue; // a comment (keep-alive)
            }

            using var doc = JsonDocument.Parse(lines.Single(l => l.StartsWith("data: ", StringComparison.Ordinal))[6..]);
            frames.Add(new Frame(long.Parse(idLine[4..], System.Globalization.CultureInfo.InvariantCulture),
                lines.Single(l => l.StartsWith("event: ", StringComparison.Ordinal))[7..], doc.RootElement.Clone()));
        }

        return frames;
    }
}
