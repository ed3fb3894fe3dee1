using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Fanout.Runs;
using Fanout.Security;
using Fanout.Server.Tokens;
using Fanout.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fanout.Server.Tests;

/// <summary>
/// A real <c>fanout serve</c> on 127.0.0.1:0 with a temp SQLite store and an inventory of local targets:
/// <c>t01</c>–<c>t05</c> (group <c>web</c> = t01–t03, group <c>db</c> = t04–t05, tag env=prod on t01,t02,t04),
/// and <c>n0000</c>–<c>n1000</c> in group <c>big</c> (1,001 targets). Tokens: one per role.
/// </summary>
internal sealed class ServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ServerHost(string dir, IRunStore store, WebApplication app, Uri address, IReadOnlyDictionary<ApiRole, string> tokens)
    {
        Directory = dir;
        Store = store;
        _app = app;
        Address = address;
        Tokens = tokens;
    }

    public string Directory { get; }

    public IRunStore Store { get; }

    public Uri Address { get; }

    public IReadOnlyDictionary<ApiRole, string> Tokens { get; }

    public IServiceProvider Services => _app.Services;

    /// <param name="tune">Changes to the server options (the defaults of a test server given).</param>
    /// <param name="extraTargets">More lines of the inventory's <c>targets:</c> mapping (indented by two spaces).</param>
    /// <param name="logs">Receives the server's log lines (none are kept otherwise).</param>
    public static async Task<ServerHost> StartAsync(int maxConcurrentBatches = 4, int queueCapacity = 100, int failedAuthLimit = 1000, int bigTargets = 1001, bool withProvider = false,
        Action<ILoggingBuilder>? logging = null, Func<ServerOptions, ServerOptions>? tune = null, string? extraTargets = null, ILoggerProvider? logs = null)
    {
        string dir = System.IO.Directory.CreateTempSubdirectory("fanout-server-").FullName;
        var inventory = new StringBuilder("defaults:\n  transport: local\ntargets:\n");
        for (int i = 1; i <= 5; i++)
        {
            inventory.Append($"  t0{i}: {{ tags: {{ env: {(i is 1 or 2 or 4 ? "prod" : "staging")} }} }}\n");
        }

        for (int i = 0; i < bigTargets; i++)
        {
            inventory.Append($"  n{i:D4}: {{}}\n");
        }

        inventory.Append(extraTargets);
        if (withProvider)
        {
            // p01 uses a stand-in lifecycle provider whose commands write marker files into the host's directory.
            inventory.Append("  p01: { provider: marker }\n");
        }

        inventory.Append("groups:\n  web: { targets: [t01, t02, t03] }\n  db: { targets: [t04, t05] }\n");
        inventory.Append("  big: { targets: [").AppendJoin(", ", Enumerable.Range(0, bigTargets).Select(i => $"n{i:D4}")).Append("] }\n");
        if (withProvider)
        {
            inventory.Append($"providers:\n  marker:\n    start: touch {dir}/started-{{{{ .target.name }}}}\n    stop: touch {dir}/stopped-{{{{ .target.name }}}}\n");
        }

        string inventoryPath = Path.Combine(dir, "inventory.yaml");
        await File.WriteAllTextAsync(inventoryPath, inventory.ToString());
        IFanoutStore store = await StoreFactory.OpenAsync(Path.Combine(dir, "fanout.db"), CancellationToken.None);
        var tokens = new Dictionary<ApiRole, string>();
        foreach (ApiRole role in Enum.GetValues<ApiRole>())
        {
            (string? token, _, string? error) = await TokenService.CreateAsync(store.Tokens, store.Audit, role.ToWireName(), role.ToWireName(), "test", TimeProvider.System, CancellationToken.None);
            tokens[role] = token ?? throw new InvalidOperationException(error);
        }

        var options = new ServerOptions
        {
            Urls = ["http://127.0.0.1:0"],
            InventorySources = [inventoryPath],
            MaxConcurrentBatches = maxConcurrentBatches,
            QueueCapacity = queueCapacity,
            FailedAuthLimitPerMinute = failedAuthLimit,
            WorkflowsDirectory = Path.Combine(dir, "workflows"),
            SchedulerPollInterval = TimeSpan.FromMilliseconds(200),
            ShutdownTimeout = TimeSpan.FromSeconds(20),
        };
        options = tune?.Invoke(options) ?? options;
        WebApplication app = FanoutServer.Build(options, store, configure: b =>
        {
            b.Logging.ClearProviders();
            logging?.Invoke(b.Logging);
            if (logs is not null)
            {
                b.Logging.AddProvider(logs);
            }
        });
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new ServerHost(dir, store, app, new Uri(address), tokens);
    }

    /// <summary>The trimmed text of a file a target writes, once it exists (up to 60 s).</summary>
    public static async Task<string> WaitForFileAsync(string path)
    {
        for (int i = 0; i < 240 && !File.Exists(path); i++)
        {
            await Task.Delay(250);
        }

        Assert.True(File.Exists(path), $"{path} was never written");
        return (await File.ReadAllTextAsync(path)).Trim();
    }

    /// <summary>The audit entries with <paramref name="action"/>, after the server's pending entries are written.</summary>
    public async Task<IReadOnlyList<JsonElement>> AuditAsync(string action)
    {
        JsonElement audit = await GetJsonAsync($"/api/audit?action={Uri.EscapeDataString(action)}&limit=10000");
        return [.. audit.GetProperty("entries").EnumerateArray().Select(e => e.Clone())];
    }

    /// <summary>A client with an arbitrary bearer token (or none).</summary>
    public HttpClient ClientWithToken(string? token)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(60) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public HttpClient Client(ApiRole? role = ApiRole.Admin)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(60) };
        if (role is { } r)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Tokens[r]);
        }

        return client;
    }

    /// <summary>Creates a batch and returns its id (asserting 201).</summary>
    public async Task<string> CreateBatchAsync(object body, ApiRole role = ApiRole.Operator)
    {
        using HttpClient client = Client(role);
        using HttpResponseMessage response = await client.PostAsJsonAsync("/api/executions/batch", body);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("batchId").GetString()!;
    }

    /// <summary>Posts <paramref name="body"/> as a batch: a 400 whose <c>errors</c> name <paramref name="field"/>, and nothing ran (no <paramref name="marker"/> file).</summary>
    public async Task AssertBatchRefusedAsync(string body, string field, string marker)
    {
        using HttpClient op = Client(ApiRole.Operator);
        using HttpResponseMessage response = await op.PostAsync("/api/executions/batch", new StringContent(body, Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.BadRequest, text);
        Assert.True(JsonDocument.Parse(text).RootElement.GetProperty("errors").TryGetProperty(field, out _), text);
        await Task.Delay(300);
        Assert.False(File.Exists(marker));
    }

    public async Task<JsonElement> GetJsonAsync(string path, ApiRole role = ApiRole.Viewer)
    {
        using HttpClient client = Client(role);
        using HttpResponseMessage response = await client.GetAsync(path);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Polls the status page until <paramref name="done"/> holds (the batch's own state, not a sleep), within the test's time limit.</summary>
    public async Task<JsonElement> WaitForAsync(string batchId, Func<JsonElement, bool> done)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        while (true)
        {
            JsonElement status = await GetJsonAsync($"/api/executions/batch/{batchId}?pageSize=1000");
            if (done(status))
            {
                return status;
            }

            await Task.Delay(25, deadline.Token);
        }
    }

    public Task<JsonElement> WaitFinishedAsync(string batchId) =>
        WaitForAsync(batchId, s => s.GetProperty("runStatus").ValueKind == JsonValueKind.String && s.GetProperty("runStatus").GetString() != "running");

    private bool _stopped;

    /// <summary>Stops the server (graceful shutdown) but keeps the store open.</summary>
    public async Task StopOnlyAsync()
    {
        await _app.StopAsync();
        _stopped = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopped)
        {
            await _app.StopAsync();
        }

        await _app.DisposeAsync();
        await Store.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
