using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fanout.Runs;

namespace Fanout.Storage.Tests.Cli;

/// <summary>
/// Accepted means durable (issue 9 item 5), against a real <c>fanout serve</c> process: a batch answered 201 while it waits in the
/// queue is in the store as <c>queued</c>; after <c>kill -9</c> of the server the queued and the running batch are
/// <c>interrupted</c>, and both are resumable — the queued one through the API of a new server, the running one through the CLI.
/// </summary>
public sealed class QueuedBatchDurabilityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-queued-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Store => Path.Combine(_dir, "store.db");

    [Fact(Timeout = 240000)]
    public async Task QueuedBatch_SurvivesKill9OfServe_InterruptedThenResumableThroughApiAndCli()
    {
        string inventory = FanoutProcess.WriteInventory(_dir, 2);
        string marker = Path.Combine(_dir, "first-started");
        string second = Path.Combine(_dir, "second-ran");
        string token = await ServeProcess.CreateTokenAsync(_dir, Store);
        string running, queued;
        ServeProcess serve = await ServeProcess.StartAsync(_dir, Store, token, "-i", inventory, "--max-batches", "1");
        await using (serve)
        {
            running = await CreateAsync(serve, $"if [ -f {marker}.$FANOUT_TARGET ]; then echo again; else touch {marker}.$FANOUT_TARGET; sleep 120; fi");
            using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            {
                while (!File.Exists($"{marker}.t000") || !File.Exists($"{marker}.t001"))
                {
                    await Task.Delay(50, deadline.Token); // the first batch holds the only slot
                }
            }

            queued = await CreateAsync(serve, $"echo $FANOUT_TARGET >> {second}");

            // Answered 201 and already in the store, queued, with its selection.
            await using (IRunStore store = await StoreFactory.OpenAsync(Store, CancellationToken.None))
            {
                RunRecord record = (await store.GetRunAsync(queued, CancellationToken.None))!;
                Assert.Equal((RunStatus.Queued, 2, serve.Pid), (record.Status, record.Counts.Total, record.OwnerPid!.Value));
                Assert.Equal(["t000", "t001"], (await store.GetRunTargetsAsync(queued, CancellationToken.None)).Select(t => t.Target));
                Assert.Empty(await store.GetAttemptsAsync(queued, null, CancellationToken.None));
            }

            await serve.KillAsync(); // SIGKILL: nothing is recorded on the way out
        }

        Assert.False(File.Exists(second));
        await using (IRunStore store = await StoreFactory.OpenAsync(Store, CancellationToken.None))
        {
            Assert.Equal(RunStatus.Interrupted, (await store.GetRunAsync(queued, CancellationToken.None))!.Status);
            Assert.Equal(RunStatus.Interrupted, (await store.GetRunAsync(running, CancellationToken.None))!.Status);
        }

        // A new server knows the queued batch (no 404) and resumes it through the API.
        await using (ServeProcess again = await ServeProcess.StartAsync(_dir, Store, token, "-i", inventory))
        {
            using (HttpResponseMessage status = await again.Client.GetAsync(new Uri($"/api/executions/batch/{queued}", UriKind.Relative)))
            {
                Assert.Equal(HttpStatusCode.OK, status.StatusCode);
            }

            using (HttpResponseMessage resume = await again.Client.PostAsync(new Uri($"/api/runs/{queued}/resume", UriKind.Relative), null))
            {
                Assert.True(resume.StatusCode == HttpStatusCode.Accepted, await resume.Content.ReadAsStringAsync());
            }

            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            while (true)
            {
                JsonElement doc = await again.Client.GetFromJsonAsync<JsonElement>(new Uri($"/api/executions/batch/{queued}", UriKind.Relative), deadline.Token);
                if (doc.GetProperty("status").GetString() is "succeeded")
                {
                    break;
                }

                await Task.Delay(200, deadline.Token);
            }
        }

        Assert.Equal(["t000", "t001"], File.ReadAllLines(second).Order());

        // The batch that was running resumes through the CLI: its targets were in flight, so they run again.
        FanoutProcess.Result cli = await FanoutProcess.RunAsync(_dir, ["resume", running, "--store", Store, "-o", "json"]);
        Assert.True(cli.ExitCode == 0, cli.Stdout + cli.Stderr);
        await using (IRunStore store = await StoreFactory.OpenAsync(Store, CancellationToken.None))
        {
            RunRecord resumed = (await store.GetRunAsync(running, CancellationToken.None))!;
            Assert.Equal((RunStatus.Succeeded, 1), (resumed.Status, resumed.ResumeCount)); // starting it from the queue was not a resume
        }
    }

    private static async Task<string> CreateAsync(ServeProcess serve, string command)
    {
        using HttpResponseMessage response = await serve.Client.PostAsJsonAsync(new Uri("/api/executions/batch", UriKind.Relative),
            new { targetNodeIds = new[] { "t000", "t001" }, action = new { type = "command", value = command } });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("batchId").GetString()!;
    }
}
