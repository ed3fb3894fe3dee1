using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Fanout.Runs;
using Fanout.Storage.Tests.Cli;

namespace Fanout.Storage.Tests.LiveOutput;

/// <summary>
/// Live output of a target whose run another server instance owns (docs/ui.md, docs/api.md): the owner's run recorder writes the
/// running attempt's head and tail into its attempt row about once a second, and any other <c>fanout serve</c> on the same
/// store serves it from there (<c>source: "partial"</c>) while the target still runs. Two real servers, one real PostgreSQL.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PartialOutputTests(PostgresCluster postgres) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-partial-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact(Timeout = 300000)]
    public async Task ATargetRunByAnotherServer_IsReadWhileItRuns_FromItsAttemptRow_ThenTheRecordedTextFollows()
    {
        string store = await postgres.CreateDatabaseAsync();
        string inventory = FanoutProcess.WriteInventory(_dir, 2);
        string token = await ServeProcess.CreateTokenAsync(_dir, store);
        await using ServeProcess owner = await ServeProcess.StartAsync(_dir, store, token, "-i", inventory);
        await using ServeProcess other = await ServeProcess.StartAsync(_dir, store, token, "-i", inventory);

        // Lines, a multi-byte character, a byte that is not UTF-8, a long pause, then the last line.
        string release = Path.Combine(_dir, "release");
        using HttpResponseMessage created = await owner.Client.PostAsJsonAsync(new Uri("/api/executions/batch", UriKind.Relative), new
        {
            targetNodeIds = new[] { "t000" },
            action = new { type = "command", value = $"echo line-one; echo line-two; printf 'caf\\303\\251 \\377\\n'; echo to-stderr >&2; while [ ! -e {release} ]; do sleep 0.2; done; echo last-line" },
        });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        string batch = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("batchId").GetString()!;

        // Through the OTHER server's output endpoint, while the target still runs: the printed lines, as the owner recorded them.
        JsonElement partial = default;
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (true)
            {
                partial = await other.Client.GetFromJsonAsync<JsonElement>(new Uri($"/api/runs/{batch}/targets/t000/output?stream=stdout", UriKind.Relative), deadline.Token);
                if (partial.GetProperty("source").GetString() == "partial" && partial.GetProperty("text").GetString()!.Contains("caf", StringComparison.Ordinal))
                {
                    break;
                }

                await Task.Delay(200, deadline.Token);
            }
        }

        Assert.False(File.Exists(release)); // the target is still running: it waits for this file
        Assert.Equal("line-one\nline-two\ncafé \uFFFD\n", partial.GetProperty("text").GetString()); // invalid bytes as the stored text shows them
        Assert.Equal(1, partial.GetProperty("attempt").GetInt32());
        Assert.False(partial.GetProperty("done").GetBoolean());
        JsonElement err = await other.Client.GetFromJsonAsync<JsonElement>(new Uri($"/api/runs/{batch}/targets/t000/output?stream=stderr", UriKind.Relative));
        Assert.Equal(("partial", "to-stderr\n"), (err.GetProperty("source").GetString(), err.GetProperty("text").GetString()));
        JsonElement status = await other.Client.GetFromJsonAsync<JsonElement>(new Uri($"/api/executions/batch/{batch}", UriKind.Relative));
        Assert.Equal("running", status.GetProperty("status").GetString());

        // The owner itself still serves it live from memory.
        JsonElement live = await owner.Client.GetFromJsonAsync<JsonElement>(new Uri($"/api/runs/{batch}/targets/t000/output?stream=stdout", UriKind.Relative));
        Assert.Equal("live", live.GetProperty("source").GetString());

        // Once it ends, the final row replaces the partial one: the whole text, and the exact bytes in the attempt's log file.
        await File.WriteAllTextAsync(release, "");
        JsonElement stored;
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (true)
            {
                stored = await other.Client.GetFromJsonAsync<JsonElement>(new Uri($"/api/runs/{batch}/targets/t000/output?stream=stdout", UriKind.Relative), deadline.Token);
                if (stored.GetProperty("source").GetString() == "stored")
                {
                    break;
                }

                await Task.Delay(200, deadline.Token);
            }
        }

        Assert.Equal("line-one\nline-two\ncafé \uFFFD\nlast-line\n", stored.GetProperty("text").GetString());
        Assert.True(stored.GetProperty("done").GetBoolean());
        await using IRunStore runs = await StoreFactory.OpenAsync(store, CancellationToken.None);
        TargetAttemptRecord row = (await runs.GetAttemptsAsync(batch, null, CancellationToken.None)).Single();
        Assert.NotEqual(AttemptState.Running, row.State);
        Assert.NotNull(row.StdoutLog);
        byte[] exact = await File.ReadAllBytesAsync(row.StdoutLog!);
        Assert.Equal([.. Encoding.ASCII.GetBytes("line-one\nline-two\ncaf"), 0xC3, 0xA9, (byte)' ', 0xFF, (byte)'\n', .. Encoding.ASCII.GetBytes("last-line\n")], exact);
    }
}
