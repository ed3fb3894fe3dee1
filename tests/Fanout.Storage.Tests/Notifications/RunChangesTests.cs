using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Fanout.Runs;
using Fanout.Storage.Tests.Cli;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Fanout.Storage.Tests.Notifications;

/// <summary>
/// LISTEN/NOTIFY for followers (issue 15): the PostgreSQL store's triggers NOTIFY when events of a run are appended or its row
/// is written, <see cref="PostgresRunChanges"/> receives them, and a second <c>fanout serve</c> following a run another process
/// executes is woken by them. Real PostgreSQL, real processes.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class RunChangesTests(PostgresCluster postgres) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-notify-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact(Timeout = 120000)]
    public async Task StoreWrites_NotifyTheRunId_AndOnlyItsWaitersWake()
    {
        string spec = await postgres.CreateDatabaseAsync();
        await using IFanoutStore store = await StoreFactory.OpenAsync(spec, CancellationToken.None);
        await using RunChanges changes = RunChanges.For(store, TimeProvider.System, NullLogger.Instance);
        Assert.IsType<PostgresRunChanges>(changes);
        await WaitUntilAsync(() => changes.Listening);

        // A run recorded by another process (the CLI): its inserts notify.
        Task any = changes.Next(null);
        string inventory = FanoutProcess.WriteInventory(_dir, 2);
        FanoutProcess.Result exec = await FanoutProcess.RunAsync(_dir, "exec", "--store", spec, "-i", inventory, "--all", "--yes", "true");
        Assert.True(exec.ExitCode == 0, exec.Stderr);
        await any.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(changes.Received > 0);

        string runId = (await store.QueryRunsAsync(new RunQuery(), CancellationToken.None)).Single().RunId;
        Task mine = changes.Next(runId);
        Task other = changes.Next("20000101-000000-00000000");
        await using (var db = new NpgsqlConnection(StoreLocation.Resolve(spec, _ => null).Target))
        {
            await db.OpenAsync();
            await using var touch = new NpgsqlCommand("UPDATE runs SET stop_reason = stop_reason WHERE run_id = @r", db);
            touch.Parameters.AddWithValue("r", runId);
            Assert.Equal(1, await touch.ExecuteNonQueryAsync());
        }

        await mine.WaitAsync(TimeSpan.FromSeconds(30));
        await Task.Delay(500);
        Assert.False(other.IsCompleted, "a change of one run woke the waiters of another");
    }

    [Fact(Timeout = 120000)]
    public async Task SqliteStore_IsPolled()
    {
        await using IFanoutStore store = await StoreFactory.OpenAsync(Path.Combine(_dir, "s.db"), CancellationToken.None);
        await using RunChanges changes = RunChanges.For(store, TimeProvider.System, NullLogger.Instance);
        Assert.IsType<PolledRunChanges>(changes);
        Assert.False(changes.Listening);
        Assert.False(changes.Next("any").IsCompleted);
    }

    [Fact(Timeout = 300000)]
    public async Task AFollowerOnASecondServe_IsWokenByNotify_AndSeesEveryEvent()
    {
        string store = await postgres.CreateDatabaseAsync();
        string inventory = FanoutProcess.WriteInventory(_dir, 6);
        string token = await ServeProcess.CreateTokenAsync(_dir, store);
        await using ServeProcess runner = await ServeProcess.StartAsync(_dir, store, token, "-i", inventory);
        await using ServeProcess follower = await ServeProcess.StartAsync(_dir, store, token, "-i", inventory);

        using HttpResponseMessage created = await runner.Client.PostAsJsonAsync(new Uri("/api/executions/batch", UriKind.Relative),
            new { selector = new { all = true }, action = new { type = "command", value = "sleep 1; echo ok" }, options = new { parallel = 2 } });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        string batch = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("batchId").GetString()!;

        // The second server does not run the batch: it follows the store.
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/executions/batch/{batch}/events", UriKind.Relative));
        using HttpResponseMessage stream = await follower.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.True(stream.IsSuccessStatusCode);
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
        var finished = new List<string>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        while (await reader.ReadLineAsync(deadline.Token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                finished.Add(line["event: ".Length..]);
                if (line == "event: batch-finished")
                {
                    break;
                }
            }
        }

        Assert.Equal(6, finished.Count(e => e == "target-finished"));
        Assert.Equal("batch-finished", finished[^1]);

        // It was woken by notifications, not only by its fallback poll.
        string metrics = await follower.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        string line2 = metrics.Split('\n').Single(l => l.StartsWith("fanout_store_notifications_total ", StringComparison.Ordinal));
        Assert.True(long.Parse(line2.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture) > 0, metrics);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the listener never connected");
            await Task.Delay(50);
        }
    }
}
