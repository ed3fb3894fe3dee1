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
using Microsoft.Playwright;

// bench/ui-scale — the web UI at scale (issue 13 "Measure"); loopback only, CI does not run it.
//   dotnet run -c Release --project bench/ui-scale -- [--targets 10000] [--parallel 200] [--wave 1000] [--runs 5000] [--sleep 0.1] [--baseline]
// 1. Executions page: RUNS finished runs in the store, time to first render of /executions in Chromium (3 loads).
// 2. A TARGETS-target batch of local targets (`sleep SLEEP` each, parallel PARALLEL, waves of WAVE) with its run page open in
//    Chromium for the whole run: long tasks (PerformanceObserver longtask), display lag (a target's recorded end → the first
//    page update after its target-finished event arrived), JS heap, and this process's CPU and memory (the server; the targets'
//    processes are children and not counted). --baseline first runs the same batch with no page open, for the page's cost.
int targets = Arg("--targets", 10_000);
int parallel = Arg("--parallel", 200);
int wave = Arg("--wave", 1000);
int runs = Arg("--runs", 5000);
string sleep = ArgS("--sleep", "0.1");
bool baseline = args.Contains("--baseline");
bool profile = args.Contains("--profile");
const string Chromium = "/usr/bin/chromium";

string dir = Directory.CreateTempSubdirectory("fanout-ui-scale-").FullName;
var inventory = new StringBuilder("defaults:\n  transport: local\ntargets:\n");
for (int i = 0; i < targets; i++)
{
    inventory.Append(CultureInfo.InvariantCulture, $"  n{i:D5}: {{}}\n");
}

inventory.Append("groups:\n  all: { targets: [").AppendJoin(", ", Enumerable.Range(0, targets).Select(i => $"n{i:D5}")).Append("] }\n");
string inventoryPath = Path.Combine(dir, "inventory.yaml");
await File.WriteAllTextAsync(inventoryPath, inventory.ToString());
IFanoutStore store = await StoreFactory.OpenAsync(Path.Combine(dir, "fanout.db"), CancellationToken.None);
(string? token, _, _) = await TokenService.CreateAsync(store.Tokens, store.Audit, "bench", "operator", "bench", TimeProvider.System, CancellationToken.None);
var options = new ServerOptions { Urls = ["http://127.0.0.1:0"], InventorySources = [inventoryPath], MaxTargetsPerBatch = targets, RunScheduler = false };
WebApplication app = FanoutServer.Build(options, store, configure: b => b.Logging.ClearProviders());
await app.StartAsync();
Uri address = new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
Console.WriteLine($"fanout ui-scale: {targets} targets (sleep {sleep}, parallel {parallel}, waves of {wave}), {runs} runs; server {address}; {Environment.ProcessorCount} cores; {DateTimeOffset.UtcNow:u}");

using IPlaywright playwright = await Playwright.CreateAsync();
await using IBrowser browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
{
    ExecutablePath = Chromium,
    Headless = true,
    Args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-dev-shm-usage", "--enable-precise-memory-info"],
});

// ---- 1. Executions page with RUNS runs ----
var insert = Stopwatch.StartNew();
DateTimeOffset t0 = DateTimeOffset.UtcNow.AddDays(-1);
for (int i = 0; i < runs; i++)
{
    string id = $"bench-{i:D5}";
    await store.CreateRunAsync(new RunRecord { RunId = id, Kind = "exec", Name = $"echo {i}", Actor = "bench", StartedAt = t0.AddSeconds(i), Status = RunStatus.Running }, [], CancellationToken.None);
    await store.FinishRunAsync(id, RunStatus.Succeeded, t0.AddSeconds(i + 1), new RunCounts(3, 3, 0, 0, 0, 0, 0), null, CancellationToken.None);
}

Console.WriteLine($"inserted {runs} runs in {insert.Elapsed.TotalSeconds:0.0} s");
IPage page = await SignedInPageAsync();
var firstRenders = new List<double>();
var rowPaints = new List<double>();
for (int i = 0; i < 3; i++)
{
    await page.GotoAsync("/executions");
    await page.WaitForSelectorAsync("#exec-table tbody tr:not(.spacer):not(.loading) a");
    firstRenders.Add(await page.EvaluateAsync<double>("() => performance.now()"));
    // The browser's own account (ms after navigation start), without the bench's own round trips: the HTML's first and last
    // byte, DOM ready, and the first paint — the rows are in the HTML (server-rendered), so the first paint shows them.
    JsonElement t = await page.EvaluateAsync<JsonElement>("""
        () => {
          const nav = performance.getEntriesByType('navigation')[0];
          const fcp = performance.getEntriesByName('first-contentful-paint')[0];
          return [nav.responseStart, nav.responseEnd, nav.domContentLoadedEventEnd, fcp ? fcp.startTime : -1];
        }
        """);
    double[] v = [.. t.EnumerateArray().Select(Num)];
    rowPaints.Add(v[3]);
    Console.WriteLine($"  load {i + 1}: first byte {v[0]:0} ms, HTML done {v[1]:0} ms, DOM ready {v[2]:0} ms, first paint (with the rows) {v[3]:0} ms; row seen by the bench {firstRenders[^1]:0} ms");
}

string total = await page.Locator("#exec-summary").TextContentAsync() ?? "";
// Where the time goes: the server's answer for the page's HTML and for the list's first page as JSON (median of 3 each).
var serverTimes = new List<double>();
var apiTimes = new List<double>();
for (int i = 0; i < 3; i++)
{
    var sw = Stopwatch.StartNew();
    using (HttpResponseMessage r = await http.GetAsync("/api/executions?page=1&pageSize=100"))
    {
        await r.Content.ReadAsByteArrayAsync();
    }

    apiTimes.Add(sw.Elapsed.TotalMilliseconds);
    sw.Restart();
    await page.APIRequest.GetAsync("/executions");
    serverTimes.Add(sw.Elapsed.TotalMilliseconds);
}

Console.WriteLine($"server: GET /executions (HTML) median {Median(serverTimes):0} ms, GET /api/executions?pageSize=100 median {Median(apiTimes):0} ms");
Console.WriteLine($"executions page, {total.Trim()}: first render {string.Join(" / ", firstRenders.Select(v => $"{v:0} ms"))} (median {Median(firstRenders):0} ms; goal < 1000 ms); first paint median {Median(rowPaints):0} ms");
await page.Context.CloseAsync();

// ---- 2. The big batch, optionally first without a page ----
if (baseline)
{
    (double cpu, double wall, long peak) = await RunBatchAsync(null);
    Console.WriteLine($"baseline (no page): {wall:0.0} s, server CPU {cpu:0.0} s ({100 * cpu / wall:0}% of one core), peak working set {peak / 1048576.0:0} MiB");
}

IPage runPage = await SignedInPageAsync();
await runPage.AddInitScriptAsync("""
    (() => {
      window.__bench = { longtasks: [], heap: [], arrived: new Map(), shown: {}, arrivedAt: {} };
      window.__bench.longtaskAt = [];
      new PerformanceObserver((l) => { for (const e of l.getEntries()) { window.__bench.longtasks.push(e.duration); window.__bench.longtaskAt.push([e.startTime, e.duration]); } }).observe({ type: 'longtask', buffered: true });
      setInterval(() => { if (performance.memory) window.__bench.heap.push(performance.memory.usedJSHeapSize); }, 1000);
      const add = EventSource.prototype.addEventListener;
      EventSource.prototype.addEventListener = function (type, fn, opts) {
        if (type === 'target-finished') {
          const wrapped = (e) => { try { const t = JSON.parse(e.data).target; const now = Date.now(); window.__bench.arrived.set(t, now); window.__bench.arrivedAt[t] = now; } catch { } return fn(e); };
          return add.call(this, type, wrapped, opts);
        }
        return add.call(this, type, fn, opts);
      };
      // A page update = the counts or the progress bar changed: every target-finished event that arrived before it is now shown.
      document.addEventListener('DOMContentLoaded', () => {
        const mark = () => { const now = Date.now(); for (const [t] of window.__bench.arrived) window.__bench.shown[t] = now; window.__bench.arrived.clear(); };
        const obs = new MutationObserver(mark);
        for (const sel of ['#counts', '#progress']) { const el = document.querySelector(sel); if (el) obs.observe(el, { subtree: true, childList: true, characterData: true, attributes: true }); }
      });
    })();
    """);
ICDPSession? cdp = null;
if (profile)
{
    cdp = await runPage.Context.NewCDPSessionAsync(runPage);
    await cdp.SendAsync("Profiler.enable");
    await cdp.SendAsync("Profiler.setSamplingInterval", new Dictionary<string, object> { ["interval"] = 500 });
    await cdp.SendAsync("Profiler.start");
}

(double cpu2, double wall2, long peak2) = await RunBatchAsync(runPage);
if (cdp is not null)
{
    JsonElement? stopped = await cdp.SendAsync("Profiler.stop");
    PrintProfile(stopped!.Value.GetProperty("profile"));
    JsonElement tasks = await runPage.EvaluateAsync<JsonElement>("() => window.__bench.longtaskAt");
    Console.WriteLine("long tasks (start ms after navigation: duration ms): " + string.Join(", ", tasks.EnumerateArray().Select(t => $"{Num(t[0]):0}: {Num(t[1]):0}")));
}

JsonElement bench = await runPage.EvaluateAsync<JsonElement>("() => ({ longtasks: window.__bench.longtasks, heap: window.__bench.heap, shown: window.__bench.shown, arrivedAt: window.__bench.arrivedAt })");
double[] longtasks = [.. bench.GetProperty("longtasks").EnumerateArray().Select(Num).Order()];
long[] heap = [.. bench.GetProperty("heap").EnumerateArray().Select(e => (long)Num(e))];
var shown = bench.GetProperty("shown").EnumerateObject().ToDictionary(p => p.Name, p => Num(p.Value));
string runId = runPage.Url[(runPage.Url.LastIndexOf('/') + 1)..];
var ends = (await store.GetAttemptsAsync(runId, new AttemptQuery { LatestOnly = true }, CancellationToken.None))
    .Where(a => a.EndedAt is not null).ToDictionary(a => a.Target, a => a.EndedAt!.Value.ToUnixTimeMilliseconds());
double[] lags = [.. shown.Where(s => ends.ContainsKey(s.Key)).Select(s => s.Value - ends[s.Key]).Order()];
// Where the lag is: recorded end → the event's arrival in the page (server, network), arrival → shown (the page).
var arrivedAt = bench.GetProperty("arrivedAt").EnumerateObject().ToDictionary(p => p.Name, p => Num(p.Value));
double[] toArrive = [.. arrivedAt.Where(a => ends.ContainsKey(a.Key)).Select(a => a.Value - ends[a.Key]).Order()];
double[] toShow = [.. shown.Where(s => arrivedAt.ContainsKey(s.Key)).Select(s => s.Value - arrivedAt[s.Key]).Order()];
Console.WriteLine($"run page open: {wall2:0.0} s, server CPU {cpu2:0.0} s ({100 * cpu2 / wall2:0}% of one core), peak working set {peak2 / 1048576.0:0} MiB");
Console.WriteLine($"long tasks: {longtasks.Length}, max {(longtasks.Length == 0 ? 0 : longtasks[^1]):0} ms, p95 {P(longtasks, 0.95):0} ms (goal: none over 100 ms, p95 < 50 ms)");
Console.WriteLine($"display lag over {lags.Length} targets: p50 {P(lags, 0.5):0} ms, p95 {P(lags, 0.95):0} ms, max {(lags.Length == 0 ? 0 : lags[^1]):0} ms (goal p95 < 500 ms)");
Console.WriteLine($"  of which end → arrival in the page: p50 {P(toArrive, 0.5):0} ms, p95 {P(toArrive, 0.95):0} ms; arrival → shown: p50 {P(toShow, 0.5):0} ms, p95 {P(toShow, 0.95):0} ms");
Console.WriteLine($"page JS heap: start {(heap.Length == 0 ? 0 : heap[0]) / 1048576.0:0.0} MiB, peak {(heap.Length == 0 ? 0 : heap.Max()) / 1048576.0:0.0} MiB, end {(heap.Length == 0 ? 0 : heap[^1]) / 1048576.0:0.0} MiB");
await runPage.Context.CloseAsync();
await app.StopAsync();
await app.DisposeAsync();
Directory.Delete(dir, recursive: true);
return 0;

async Task<(double Cpu, double Wall, long Peak)> RunBatchAsync(IPage? open)
{
    var self = Process.GetCurrentProcess();
    TimeSpan cpu0 = self.TotalProcessorTime;
    var wall = Stopwatch.StartNew();
    using HttpResponseMessage created = await http.PostAsJsonAsync("/api/executions/batch", new
    {
        targetGroupIds = new[] { "all" },
        action = new { type = "command", value = $"sleep {sleep}" },
        options = new { parallel, batchSize = wave, timeout = 600 },
    });
    string body = await created.Content.ReadAsStringAsync();
    if (!created.IsSuccessStatusCode)
    {
        throw new InvalidOperationException($"batch: {(int)created.StatusCode} {body}");
    }

    string id = JsonDocument.Parse(body).RootElement.GetProperty("batchId").GetString()!;
    if (open is not null)
    {
        await open.GotoAsync("/runs/" + id);
    }

    long peak = 0;
    while (true)
    {
        self.Refresh();
        peak = Math.Max(peak, self.WorkingSet64);
        JsonElement status = JsonDocument.Parse(await http.GetStringAsync($"/api/executions/batch/{id}?pageSize=1")).RootElement;
        if (status.GetProperty("runStatus").ValueKind == JsonValueKind.String && status.GetProperty("runStatus").GetString() is not ("running" or "queued"))
        {
            break;
        }

        await Task.Delay(500);
    }

    double seconds = wall.Elapsed.TotalSeconds;
    if (open is not null)
    {
        await open.WaitForSelectorAsync("#summary:not([hidden])", new() { Timeout = 120_000 });
    }

    self.Refresh();
    return ((self.TotalProcessorTime - cpu0).TotalSeconds, seconds, peak);
}

async Task<IPage> SignedInPageAsync()
{
    IBrowserContext context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = address.ToString().TrimEnd('/'), ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
    context.SetDefaultTimeout(120_000);
    IPage p = await context.NewPageAsync();
    await p.GotoAsync("/signin");
    await p.GetByLabel("Token").FillAsync(token!);
    await p.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    await p.WaitForURLAsync(u => !u.Contains("/signin", StringComparison.Ordinal));
    return p;
}

// A CPU profile (CDP Profiler) summed by function: self time of the 15 costliest.
static void PrintProfile(JsonElement p)
{
    var nodes = p.GetProperty("nodes").EnumerateArray().ToDictionary(n => n.GetProperty("id").GetInt32(), n => n.GetProperty("callFrame"));
    int[] samples = [.. p.GetProperty("samples").EnumerateArray().Select(e => e.GetInt32())];
    double[] deltas = [.. p.GetProperty("timeDeltas").EnumerateArray().Select(e => e.GetDouble())];
    var self = new Dictionary<string, double>();
    for (int i = 0; i < samples.Length; i++)
    {
        JsonElement f = nodes[samples[i]];
        string key = $"{f.GetProperty("functionName").GetString() switch { "" or null => "(anonymous)", var n => n }} {Path.GetFileName(f.GetProperty("url").GetString())}:{f.GetProperty("lineNumber").GetInt32() + 1}";
        double ms = (i + 1 < deltas.Length ? deltas[i + 1] : 0) / 1000.0;
        self[key] = self.GetValueOrDefault(key) + ms;
    }

    Console.WriteLine("page CPU profile, self time: " + string.Join("; ", self.OrderByDescending(kv => kv.Value).Take(15).Select(kv => $"{kv.Key} {kv.Value:0} ms")));
}

// Playwright hands large numbers over as strings.
static double Num(JsonElement e) => e.ValueKind == JsonValueKind.String ? double.Parse(e.GetString()!, CultureInfo.InvariantCulture) : e.GetDouble();

static double Median(IReadOnlyList<double> v) => P([.. v.Order()], 0.5);

static double P(double[] sorted, double q) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];

int Arg(string name, int fallback) => args.SkipWhile(a => a != name).Skip(1).Select(int.Parse).DefaultIfEmpty(fallback).First();

string ArgS(string name, string fallback) => args.SkipWhile(a => a != name).Skip(1).DefaultIfEmpty(fallback).First();
