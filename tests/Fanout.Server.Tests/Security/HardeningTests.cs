using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Fanout.Runs;
using Fanout.Security;

namespace Fanout.Server.Tests.Security;

/// <summary>One server with the hardening options set (CORS origin, extra secret names, quick token re-check, small limits).</summary>
public sealed class HardenedServer : IAsyncLifetime
{
    public const string AllowedOrigin = "http://ui.example:3000";
    public const int BodyLimit = 64 * 1024;
    public const int CommandLimit = 4096;

    internal ServerHost Host { get; private set; } = null!;

    internal LogCapture Logs { get; } = new();

    public async Task InitializeAsync() => Host = await ServerHost.StartAsync(bigTargets: 150, logs: Logs,
        extraTargets: "  s01: { vars: { ansible_password: hunter2-pw, ansible_become_pass: become-pw, ssh_private_key_passphrase: phrase-pw, db_password: db-pw, " +
                      "api_endpoint: 'http://api', custom_thing: marked-pw, site_pin: pin-pw, ansible_ssh_private_key_file: /keys/id, fanout_secret_vars: [custom_thing], " +
                      "nested: { token: nested-pw, port: 5 } } }\n",
        tune: o => o with
        {
            AllowedOrigins = [AllowedOrigin],
            SecretVarNames = ["pin"],
            TokenRecheckInterval = TimeSpan.FromMilliseconds(200),
            MaxRequestBodyBytes = BodyLimit,
            MaxCommandLength = CommandLimit,
        });

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>Issue 12, security items 1, 3, 5, 6, 7, 8, 9, 11 against a real server.</summary>
public sealed class HardeningTests(HardenedServer server) : IClassFixture<HardenedServer>
{
    private ServerHost Host => server.Host;

    [Fact(Timeout = 30000)]
    public async Task InventoryNodes_SecretVarsAreMaskedForEveryRole()
    {
        foreach (ApiRole role in Enum.GetValues<ApiRole>())
        {
            using HttpClient client = Host.Client(role);
            string text = await client.GetStringAsync("/api/inventory/nodes?search=s01");
            JsonElement vars = JsonDocument.Parse(text).RootElement.GetProperty("nodes")[0].GetProperty("vars");

            Assert.DoesNotContain("-pw", text, StringComparison.Ordinal);
            foreach (string name in new[] { "ansible_password", "ansible_become_pass", "ssh_private_key_passphrase", "db_password", "custom_thing", "site_pin" })
            {
                Assert.Equal("***", vars.GetProperty(name).GetString());
            }

            Assert.Equal("***", vars.GetProperty("nested").GetProperty("token").GetString());
            Assert.Equal(5, vars.GetProperty("nested").GetProperty("port").GetInt32());
            Assert.Equal("http://api", vars.GetProperty("api_endpoint").GetString());
            Assert.Equal("/keys/id", vars.GetProperty("ansible_ssh_private_key_file").GetString());
        }
    }

    [Fact(Timeout = 60000)]
    public async Task RunsAndExports_OfATargetWithSecretVars_NeverCarryThem()
    {
        // Issue 12 item 1: "Inventory JSON in runs/exports never carries them".
        string id = await Host.CreateBatchAsync(new { targetNodeIds = new[] { "s01" }, action = new { type = "command", value = "echo done" } });
        await Host.WaitFinishedAsync(id);
        using HttpClient admin = Host.Client(ApiRole.Admin);

        foreach (string path in new[]
        {
            $"/api/runs/{id}", $"/api/runs/{id}/export?format=json", $"/api/runs/{id}/export?format=csv", $"/api/runs/{id}/logs",
            $"/api/executions/batch/{id}", "/api/runs", $"/api/audit?batchId={id}", "/api/executions",
        })
        {
            string text = await admin.GetStringAsync(path);
            Assert.DoesNotContain("-pw", text, StringComparison.Ordinal);
        }

        RunRecord run = (await Host.Store.GetRunAsync(id, CancellationToken.None))!;
        Assert.DoesNotContain("-pw", $"{run.Operation} {run.Selectors} {run.Options} {run.Parameters}", StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task Cors_PreflightsAreAnsweredWithoutAuthAndNeverCounted_OnlyAllowedOrigins()
    {
        await using ServerHost host = await ServerHost.StartAsync(failedAuthLimit: 3, bigTargets: 1, tune: o => o with { AllowedOrigins = [HardenedServer.AllowedOrigin] });
        using HttpClient anonymous = host.ClientWithToken(null);
        var preflights = new List<HttpResponseMessage>();
        for (int i = 0; i < 10; i++)
        {
            using var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/executions/batch");
            preflight.Headers.Add("Origin", HardenedServer.AllowedOrigin);
            preflight.Headers.Add("Access-Control-Request-Method", "POST");
            preflight.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
            preflights.Add(await anonymous.SendAsync(preflight));
        }

        using var foreign = new HttpRequestMessage(HttpMethod.Options, "/api/runs");
        foreign.Headers.Add("Origin", "http://evil.example");
        foreign.Headers.Add("Access-Control-Request-Method", "GET");
        using HttpResponseMessage foreignAnswer = await anonymous.SendAsync(foreign);
        using HttpClient viewer = host.Client(ApiRole.Viewer);
        using var allowedGet = new HttpRequestMessage(HttpMethod.Get, "/api/runs");
        allowedGet.Headers.Add("Origin", HardenedServer.AllowedOrigin);
        using HttpResponseMessage allowedAnswer = await viewer.SendAsync(allowedGet);
        using var foreignGet = new HttpRequestMessage(HttpMethod.Get, "/api/runs");
        foreignGet.Headers.Add("Origin", "http://evil.example");
        using HttpResponseMessage foreignGetAnswer = await viewer.SendAsync(foreignGet);
        HttpStatusCode afterPreflights = (await anonymous.GetAsync("/api/runs")).StatusCode;

        Assert.All(preflights, p => Assert.Equal(HttpStatusCode.NoContent, p.StatusCode));
        Assert.Equal(HardenedServer.AllowedOrigin, preflights[0].Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("POST", preflights[0].Headers.GetValues("Access-Control-Allow-Methods").Single(), StringComparison.Ordinal);
        Assert.Contains("Authorization", preflights[0].Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, foreignAnswer.StatusCode);
        Assert.False(foreignAnswer.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Equal(HttpStatusCode.OK, allowedAnswer.StatusCode);
        Assert.Equal(HardenedServer.AllowedOrigin, allowedAnswer.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.False(foreignGetAnswer.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Equal(HttpStatusCode.Unauthorized, afterPreflights); // 10 preflights, limit 3: none of them counted
        preflights.ForEach(p => p.Dispose());
    }

    [Fact(Timeout = 30000)]
    public async Task Responses_CarryNosniffCspAndNoStore_TokenSecretsAreNeverCached()
    {
        using HttpClient admin = Host.Client();
        using HttpClient anonymous = Host.ClientWithToken(null);
        using HttpResponseMessage created = await admin.PostAsJsonAsync("/api/tokens", new { name = "cache-check", role = "viewer" });
        using HttpResponseMessage list = await admin.GetAsync("/api/runs");
        using HttpResponseMessage denied = await anonymous.GetAsync("/api/runs");
        using HttpResponseMessage health = await anonymous.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.True(created.Headers.CacheControl?.NoStore);
        Assert.True(list.Headers.CacheControl?.NoStore);
        foreach (HttpResponseMessage r in new[] { created, list, denied, health })
        {
            Assert.Equal("nosniff", r.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Contains("default-src", r.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        }

        // Location of a new token names a resource that exists.
        using HttpResponseMessage located = await admin.GetAsync(created.Headers.Location);
        Assert.Equal(HttpStatusCode.OK, located.StatusCode);
        Assert.Equal("cache-check", JsonDocument.Parse(await located.Content.ReadAsStringAsync()).RootElement.GetProperty("name").GetString());
    }

    [Fact(Timeout = 30000)]
    public async Task CredentialsInTheQueryString_AreRedactedFromEveryLogLine()
    {
        const string leaked = "fo_0badc0de_leakedleakedleakedleakedleakedleakedleak";
        using HttpClient viewer = Host.Client(ApiRole.Viewer);
        using HttpResponseMessage withToken = await viewer.GetAsync($"/api/runs?access_token={leaked}&limit=5");
        using HttpResponseMessage otherName = await viewer.GetAsync($"/api/inventory/nodes?search=t0&x={leaked}&password=hunter3");
        using HttpClient anonymous = Host.ClientWithToken(null);
        using HttpResponseMessage anonymousAnswer = await anonymous.GetAsync($"/api/runs?api_key=hunter4");

        // The request line is written once the answer is complete: wait for it.
        for (int i = 0; i < 200 && !(server.Logs.Lines.Any(l => l.Contains("api_key=***", StringComparison.Ordinal)) && server.Logs.Lines.Any(l => l.Contains("access_token=***", StringComparison.Ordinal))); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(server.Logs.Lines.Any(l => l.Contains("access_token=***", StringComparison.Ordinal)) && server.Logs.Lines.Any(l => l.Contains("api_key=***", StringComparison.Ordinal)),
            string.Join("\n", server.Logs.Lines.Where(l => l.Contains("Fanout", StringComparison.Ordinal) || l.Contains("runs", StringComparison.Ordinal)).Take(40)));

        IReadOnlyList<string> lines = server.Logs.Lines;
        Assert.Equal(HttpStatusCode.BadRequest, withToken.StatusCode); // access_token is no parameter of /api/runs (and never read)
        Assert.DoesNotContain("leaked", await withToken.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousAnswer.StatusCode);
        Assert.DoesNotContain(lines, l => l.Contains("leaked", StringComparison.Ordinal) || l.Contains("hunter3", StringComparison.Ordinal) || l.Contains("hunter4", StringComparison.Ordinal));
    }

    [Fact(Timeout = 30000)]
    public async Task Tokens_ExpireWithA401AndAreListedAsExpired()
    {
        using HttpClient admin = Host.Client();
        using HttpResponseMessage created = await admin.PostAsJsonAsync("/api/tokens", new { name = "short-lived", role = "viewer", expiresIn = "2s" });
        using HttpResponseMessage past = await admin.PostAsJsonAsync("/api/tokens", new { name = "born-dead", role = "viewer", expiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) });
        using HttpResponseMessage bad = await admin.PostAsJsonAsync("/api/tokens", new { name = "bad-expiry", role = "viewer", expiresIn = "soon" });
        JsonElement body = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
        string secret = body.GetProperty("secret").GetString()!;
        using HttpClient client = Host.ClientWithToken(secret);
        HttpStatusCode before = (await client.GetAsync("/api/runs")).StatusCode;
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        using HttpResponseMessage after = await client.GetAsync("/api/runs");
        JsonElement listed = (await Host.GetJsonAsync("/api/tokens", ApiRole.Admin)).GetProperty("tokens").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "short-lived");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(JsonValueKind.String, body.GetProperty("token").GetProperty("expiresAt").ValueKind);
        Assert.Equal(HttpStatusCode.BadRequest, past.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(HttpStatusCode.OK, before);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Contains("expired", await after.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("expired", listed.GetProperty("status").GetString());
    }

    [Fact(Timeout = 60000)]
    public async Task EventStream_OpenedBeforeRevocation_IsClosedOnRevocation()
    {
        using HttpClient admin = Host.Client();
        using HttpResponseMessage created = await admin.PostAsJsonAsync("/api/tokens", new { name = "streamer", role = "viewer" });
        string secret = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("secret").GetString()!;
        string batchId = await Host.CreateBatchAsync(new { targetNodeIds = new[] { "t01" }, action = new { type = "command", value = "sleep 30" } });
        try
        {
            using HttpClient streamer = Host.ClientWithToken(secret);
            Task<(IReadOnlyList<SseReader.Frame> Frames, string ContentType)> reading = SseReader.ReadAsync(streamer, $"/api/executions/batch/{batchId}/events");
            await Task.Delay(500);
            using HttpResponseMessage revoked = await admin.DeleteAsync("/api/tokens/streamer");
            (IReadOnlyList<SseReader.Frame> frames, _) = await reading.WaitAsync(TimeSpan.FromSeconds(20));

            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
            Assert.Equal("stream-closed", frames[^1].Event);
            Assert.DoesNotContain(frames, f => f.Event == "batch-finished");
        }
        finally
        {
            using HttpClient op = Host.Client(ApiRole.Operator);
            await op.PostAsync($"/api/executions/batch/{batchId}/cancel", null);
        }
    }

    [Fact(Timeout = 30000)]
    public async Task Refusals_AreAudited_Repeated401sOnlyOncePerMinute()
    {
        await using ServerHost host = await ServerHost.StartAsync(bigTargets: 1);
        using HttpClient anonymous = host.ClientWithToken(null);
        using HttpClient viewer = host.Client(ApiRole.Viewer);
        using HttpClient op = host.Client(ApiRole.Operator);
        for (int i = 0; i < 5; i++)
        {
            await anonymous.GetAsync("/api/audit");
        }

        using HttpResponseMessage forbidden = await viewer.PostAsJsonAsync("/api/executions/batch", new { targetNodeIds = new[] { "t01" }, action = new { type = "command", value = "true" } });
        using HttpResponseMessage invalid = await op.PostAsJsonAsync("/api/executions/batch", new { targetNodeIds = new[] { "ghost-node" }, action = new { type = "command", value = "true" } });

        IReadOnlyList<JsonElement> unauthorized = await host.AuditAsync("request.unauthorized");
        JsonElement forbade = (await host.AuditAsync("request.forbidden")).Last();
        JsonElement refusedInvalid = (await host.AuditAsync("request.invalid")).Last(e => e.GetProperty("detail").GetString()!.Contains("ghost-node", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        JsonElement first = Assert.Single(unauthorized); // five 401s within the minute: one entry
        Assert.Equal("anonymous", first.GetProperty("actor").GetString());
        Assert.Contains("401 GET /api/audit from 127.0.0.1: a bearer token is required", first.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("viewer", forbade.GetProperty("actor").GetString());
        Assert.Contains("POST /api/executions/batch", forbade.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("operator", refusedInvalid.GetProperty("actor").GetString());
    }

    [Fact(Timeout = 30000)]
    public async Task WorkflowSymlinks_LeadingOutOfTheDirectory_AreRefusedAndNotListed()
    {
        string dir = Path.Combine(Host.Directory, "workflows");
        Directory.CreateDirectory(dir);
        string outside = Path.Combine(Host.Directory, "outside.yaml");
        await File.WriteAllTextAsync(outside, "name: secret-outside\nsteps:\n  - {name: leak, command: echo leaked-content}\n");
        await File.WriteAllTextAsync(Path.Combine(dir, "real.yaml"), "name: real\nsteps:\n  - {name: a, command: echo a}\n");
        File.CreateSymbolicLink(Path.Combine(dir, "link.yaml"), outside);
        File.CreateSymbolicLink(Path.Combine(dir, "passwd.yaml"), "/etc/passwd");
        File.CreateSymbolicLink(Path.Combine(dir, "alias.yaml"), Path.Combine(dir, "real.yaml"));
        Directory.CreateSymbolicLink(Path.Combine(dir, "up"), Host.Directory);
        using HttpClient op = Host.Client(ApiRole.Operator);

        using HttpResponseMessage link = await op.PostAsJsonAsync("/api/workflows/plan", new { file = "link.yaml" });
        using HttpResponseMessage passwd = await op.PostAsJsonAsync("/api/workflows/run", new { file = "passwd.yaml" });
        using HttpResponseMessage viaDir = await op.PostAsJsonAsync("/api/workflows/plan", new { file = "up/outside.yaml" });
        using HttpResponseMessage alias = await op.PostAsJsonAsync("/api/workflows/plan", new { file = "alias.yaml" });
        string listed = await op.GetStringAsync("/api/workflows");

        foreach (HttpResponseMessage refused in new[] { link, passwd, viaDir })
        {
            string text = await refused.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("outside the server's workflows directory", text, StringComparison.Ordinal);
            Assert.DoesNotContain("leaked-content", text, StringComparison.Ordinal);
            Assert.DoesNotContain("root:", text, StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.OK, alias.StatusCode);
        Assert.Contains("alias.yaml", listed, StringComparison.Ordinal);
        Assert.DoesNotContain("link.yaml", listed, StringComparison.Ordinal);
        Assert.DoesNotContain("passwd.yaml", listed, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task CsvExport_NeutralisesFormulasAndStripsNuls()
    {
        string id = await Host.CreateBatchAsync(new
        {
            targetNodeIds = new[] { "t01" },
            action = new { type = "command", value = "printf 'a\\000b'; printf '=HYPERLINK(\"http://evil\",\"x\")' >&2; exit 3" },
        });
        await Host.WaitFinishedAsync(id);
        using HttpClient viewer = Host.Client(ApiRole.Viewer);
        string csv = await viewer.GetStringAsync($"/api/runs/{id}/export?format=csv");
        string json = await viewer.GetStringAsync($"/api/runs/{id}/export?format=json");

        Assert.DoesNotContain('\0', csv);
        Assert.Contains("\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\"", csv, StringComparison.Ordinal);
        Assert.Contains(",ab,", csv, StringComparison.Ordinal);
        Assert.Contains(",3,", csv, StringComparison.Ordinal); // numbers stay numbers
        Assert.Contains("=HYPERLINK", JsonDocument.Parse(json).RootElement.GetProperty("targets")[0].GetProperty("stderr").GetString(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task ServerPaths_AreShownRelativeToTheirRoots()
    {
        using HttpClient op = Host.Client(ApiRole.Operator);
        string list = await op.GetStringAsync("/api/workflows");
        using HttpResponseMessage missing = await op.PostAsJsonAsync("/api/workflows/run", new { file = "nope/missing.yaml" });
        string missingText = await missing.Content.ReadAsStringAsync();

        Assert.Equal("workflows", JsonDocument.Parse(list).RootElement.GetProperty("directory").GetString());
        Assert.DoesNotContain(Host.Directory, list, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.DoesNotContain(Host.Directory, missingText, StringComparison.Ordinal);
    }
}
