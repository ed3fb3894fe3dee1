using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Fanout.Runs;
using Fanout.Security;
using Fanout.Server;
using Fanout.Server.Tokens;
using Fanout.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// bench/api-load — a bounded load test of `fanout serve` (SPEC N5), loopback only; CI does not run it.
//   dotnet run -c Release --project bench/api-load -- [--duration 60] [--clients 50] [--status-seconds 20] [--rate 100]
// Phase 1: CLIENTS clients each create a small batch (3 local targets), poll its status until it ends, and check the
//          result; for DURATION seconds. Then every created batch is checked in the store (no lost results).
// Phase 2: a 1,000-target batch; GET its status page at RATE requests/s (open loop) while it runs and after it ended.
int duration = Arg("--duration", 60);
int clients = Arg("--clients", 50);
int statusSeconds = Arg("--status-seconds", 20);
int rate = Arg("--rate", 100);

string dir = Directory.CreateTempSubdirectory("fanout-api-load-").FullName;
var inventory = new StringBuilder("defaults:\n  transport: local\ntargets:\n");
for (int i = 0; i < 1000; i++)
{
    inventory.Append(CultureInfo.InvariantCulture, $"  n{i:D4}: {{}}\n");
}

inventory.Append("groups:\n  thousand: { targets: [").AppendJoin(", ", Enumerable.Range(0, 1000).Select(i => $"n{i:D4}")).Append("] }\n");
string inventoryPath = Path.Combine(dir, "inventory.yaml");
await File.WriteAllTextAsync(inventoryPath, inventory.ToString());
IFanoutStore store = await StoreFactory.OpenAsync(Path.Combine(dir, "fanout.db"), CancellationToken.None);
(string? token, _, _) = await TokenService.CreateAsync(store.Tokens, store.Audit, "load", "operator", "bench", TimeProvider.System, CancellationToken.None);
var options = new ServerOptions { Urls = ["http://127.0.0.1:0"], InventorySources = [inventoryPath], QueueCapacity = 200, MaxConcurrentBatches = 8, RunScheduler = false };
WebApplication app = FanoutServer.Build(options, store, configure: b => b.Logging.ClearProviders());
await app.StartAsync();
Uri address = new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients * 2 }) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
using var hardStop = new CancellationTokenSource(TimeSpan.FromSeconds(duration + (2 * statusSeconds) + 180));
Console.WriteLine($"fanout api-load: {clients} clients for {duration}s, then status at {rate} req/s for {statusSeconds}s x2; server {address}, {Environment.ProcessorCount} cores");

// Phase 1
var created = new System.Collections.Concurrent.ConcurrentBag<string>();
int errors = 0, polls = 0;
var phase1 = Stopwatch.StartNew();
var createLatencies = new System.Collections.Concurrent.ConcurrentBag<double>();
await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
{
    while (phase1.Elapsed < TimeSpan.FromSeconds(duration) && !hardStop.IsCancellationRequested)
    {
        try
        {
            string[] nodes = [.. Enumerable.Range(0, 3).Select(k => $"n{((c * 3) + k) % 1000:D4}")];
            long t0 = Stopwatch.GetTimestamp();
            using HttpResponseMessage response = await http.PostAsJsonAsync("/api/executions/batch",
                new { targetNodeIds = nodes, action = new { type = "command", value = "true" } }, hardStop.Token);
            createLatencies.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            if (!response.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref errors);
                Console.Error.WriteLine($"create: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(hardStop.Token)}");
                continue;
            }

            string id = (await response.Content.ReadFromJsonAsync<JsonElement>(hardStop.Token)).GetProperty("batchId").GetString()!;
            created.Add(id);
            while (true)
            {
                await Task.Delay(100, hardStop.Token);
                Interlocked.Increment(ref polls);
                JsonElement status = await http.GetFromJsonAsync<JsonElement>($"/api/executions/batch/{id}", hardStop.Token);
                string s = status.GetProperty("status").GetString()!;
                if (s is "queued" or "running" || status.GetProperty("runStatus").ValueKind == JsonValueKind.Null)
                {
                    continue;
                }

                if (s != "succeeded" || status.GetProperty("counts").GetProperty("succeeded").GetInt32() != 3)
                {
                    Interlocked.Increment(ref errors);
                    Console.Error.WriteLine($"batch {id}: {status}");
                }

                break;
            }
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException)
        {
            Interlocked.Increment(ref errors);
            Console.Error.WriteLine($"client {c}: {e.Message}");
        }
    }
})));
double phase1Seconds = phase1.Elapsed.TotalSeconds;
IReadOnlyList<RunRecord> runs = await store.QueryRunsAsync(new RunQuery { Limit = 1_000_000 }, CancellationToken.None);
var byId = runs.ToDictionary(r => r.RunId);
int lost = created.Count(id => !byId.TryGetValue(id, out RunRecord? r) || r.Status != RunStatus.Succeeded || r.Counts.Succeeded != 3);
Console.WriteLine($"phase 1: {created.Count} batches ({created.Count * 3} target executions) in {phase1Seconds:0.0}s = {created.Count / phase1Seconds:0.0} batches/s; " +
    $"{polls} status polls; errors {errors}; lost or wrong results {lost}; create p50 {Pct(createLatencies, 50):0.0} ms p99 {Pct(createLatencies, 99):0.0} ms");

// Phase 2
using HttpResponseMessage big = await http.PostAsJsonAsync("/api/executions/batch",
    new { targetGroupIds = new[] { "thousand" }, action = new { type = "command", value = "sleep 0.2" }, options = new { parallel = 25 } }, hardStop.Token);
string bigId = (await big.Content.ReadFromJsonAsync<JsonElement>(hardStop.Token)).GetProperty("batchId").GetString()!;
(List<double> live, int liveErrors) = await MeasureStatusAsync(bigId, statusSeconds);
while ((await http.GetFromJsonAsync<JsonElement>($"/api/executions/batch/{bigId}", hardStop.Token)).GetProperty("runStatus").ValueKind == JsonValueKind.Null
    || (await store.GetRunAsync(bigId, hardStop.Token))!.Status == RunStatus.Running)
{
    await Task.Delay(200, hardStop.Token);
}

(List<double> done, int doneErrors) = await MeasureStatusAsync(bigId, statusSeconds);
Console.WriteLine($"phase 2 (1,000-target batch, pageSize 100, {rate} req/s): while running: n={live.Count} p50 {Pct(live, 50):0.00} ms p95 {Pct(live, 95):0.00} ms p99 {Pct(live, 99):0.00} ms max {live.Max():0.00} ms errors {liveErrors}");
Console.WriteLine($"phase 2 (1,000-target batch, pageSize 100, {rate} req/s): finished:      n={done.Count} p50 {Pct(done, 50):0.00} ms p95 {Pct(done, 95):0.00} ms p99 {Pct(done, 99):0.00} ms max {done.Max():0.00} ms errors {doneErrors}");

await app.StopAsync();
await app.DisposeAsync();
await store.DisposeAsync();
Directory.Delete(dir, recursive: true);
return errors + lost + liveErrors + doneErrors == 0 ? 0 : 1;

async Task<(List<double>, int)> MeasureStatusAsync(string id, int seconds)
{
    var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
    int failed = 0;
    var tasks = new List<Task>();
    var clock = Stopwatch.StartNew();
    TimeSpan interval = TimeSpan.FromSeconds(1.0 / rate);
    for (int i = 0; i < seconds * rate; i++)
    {
        TimeSpan due = interval * i;
        if (due > clock.Elapsed)
        {
            await Task.Delay(due - clock.Elapsed, hardStop.Token);
        }

        tasks.Add(Task.Run(async () =>
        {
            long t0 = Stopwatch.GetTimestamp();
            using HttpResponseMessage r = await http.GetAsync($"/api/executions/batch/{id}", hardStop.Token);
            byte[] body = await r.Content.ReadAsByteArrayAsync(hardStop.Token);
            latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            if (!r.IsSuccessStatusCode || body.Length == 0)
            {
                Interlocked.Increment(ref failed);
            }
        }));
    }

    await Task.WhenAll(tasks);
    return ([.. latencies], failed);
}

static double Pct(IEnumerable<double> values, int p)
{
    double[] sorted = [.. values.Order()];
    return sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p / 100.0 * sorted.Length) - 1, 0, sorted.Length - 1)];
}

int Arg(string name, int fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}
