using System.Net;
using System.Text;
using Fanout.Security;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Fanout.Server.Tests;

/// <summary>SPEC A5: every endpoint × every role, enumerated from the server's own endpoint data source.</summary>
public sealed class AuthTests : IAsyncLifetime
{
    /// <summary>The least role of every endpoint; null = open. A new endpoint fails <see cref="EveryEndpoint_IsClassified"/> until it is listed here.</summary>
    private static readonly Dictionary<string, ApiRole?> Expected = new()
    {
        ["GET /healthz"] = null,
        ["GET /metrics"] = ApiRole.Viewer,
        ["GET /openapi/{documentName}.json"] = ApiRole.Viewer,
        ["POST /api/executions/batch/"] = ApiRole.Operator,
        ["GET /api/executions/batch/{id}"] = ApiRole.Viewer,
        ["GET /api/executions/batch/{id}/events"] = ApiRole.Viewer,
        ["POST /api/executions/batch/{id}/cancel"] = ApiRole.Operator,
        ["GET /api/inventory/nodes"] = ApiRole.Viewer,
        ["GET /api/inventory/groups"] = ApiRole.Viewer,
        ["GET /api/runs/"] = ApiRole.Viewer,
        ["GET /api/runs/{id}"] = ApiRole.Viewer,
        ["GET /api/runs/{id}/logs"] = ApiRole.Viewer,
        ["GET /api/runs/{id}/export"] = ApiRole.Viewer,
        ["POST /api/runs/{id}/retry"] = ApiRole.Operator,
        ["POST /api/runs/{id}/resume"] = ApiRole.Operator,
        ["POST /api/runs/{id}/cancel"] = ApiRole.Operator,
        ["GET /api/schedules/"] = ApiRole.Viewer,
        ["POST /api/schedules/"] = ApiRole.Admin,
        ["DELETE /api/schedules/{name}"] = ApiRole.Admin,
        ["PATCH /api/schedules/{name}"] = ApiRole.Admin,
        ["POST /api/schedules/{name}/pause"] = ApiRole.Admin,
        ["POST /api/schedules/{name}/resume"] = ApiRole.Admin,
        ["POST /api/schedules/{name}/run"] = ApiRole.Admin,
        ["GET /api/workflows/"] = ApiRole.Viewer,
        ["POST /api/workflows/validate"] = ApiRole.Viewer,
        ["GET /api/workflows/{file}"] = ApiRole.Viewer,
        ["GET /api/workflows/{file}/graph"] = ApiRole.Viewer,
        ["GET /api/runs/{id}/graph"] = ApiRole.Viewer,
        ["GET /api/runs/{id}/targets/{target}/output"] = ApiRole.Viewer,
        ["POST /api/workflows/run"] = ApiRole.Operator,
        ["POST /api/workflows/plan"] = ApiRole.Viewer,
        ["POST /api/runs/{id}/steps/{step}/approve"] = ApiRole.Operator,
        ["POST /api/runs/{id}/steps/{step}/reject"] = ApiRole.Operator,
        ["GET /api/tokens/"] = ApiRole.Admin,
        ["POST /api/tokens/"] = ApiRole.Admin,
        ["GET /api/tokens/{name}"] = ApiRole.Admin,
        ["DELETE /api/tokens/{name}"] = ApiRole.Admin,
        ["GET /api/audit"] = ApiRole.Viewer,
        ["GET /api/breakers/"] = ApiRole.Viewer,
        ["POST /api/breakers/{workflow}/{name}/reset"] = ApiRole.Operator,
        ["GET /api/executions"] = ApiRole.Viewer,
        ["GET /api/executions/events"] = ApiRole.Viewer,
        ["POST /api/executions/batch/{id}/stop-after-batch"] = ApiRole.Operator,
        ["GET /api/me"] = ApiRole.Viewer,
        ["GET /api/cluster"] = ApiRole.Viewer,
        ["GET /api/inventory/facets"] = ApiRole.Viewer,
        ["GET /api/runs/{id}/approvals"] = ApiRole.Viewer,
        ["GET /inventory"] = ApiRole.Viewer,
        ["POST /inventory"] = ApiRole.Viewer,
        ["GET /workflows"] = ApiRole.Viewer,
        ["POST /workflows"] = ApiRole.Viewer,
        ["GET /workflows/{File}"] = ApiRole.Viewer,
        ["POST /workflows/{File}"] = ApiRole.Viewer,
        // The web UI (docs/ui.md): pages need a session (anonymous browsers are redirected to /signin, see UiPages).
        ["GET /"] = ApiRole.Viewer,
        ["POST /"] = ApiRole.Viewer,
        ["GET /executions"] = ApiRole.Viewer,
        ["POST /executions"] = ApiRole.Viewer,
        ["GET /runs/{Id}"] = ApiRole.Viewer,
        ["POST /runs/{Id}"] = ApiRole.Viewer,
        ["GET /_framework/opaque-redirect"] = ApiRole.Viewer,
        ["GET /schedules"] = ApiRole.Viewer,
        ["POST /schedules"] = ApiRole.Viewer,
        ["GET /audit"] = ApiRole.Viewer,
        ["POST /audit"] = ApiRole.Viewer,
        ["GET /tokens"] = ApiRole.Admin,
        ["POST /tokens"] = ApiRole.Admin,
        ["GET /signin"] = null,
        ["POST /signin"] = null,
        ["POST /session"] = null,
        ["POST /signout"] = ApiRole.Viewer,
        ["GET /ui/assets/{name}"] = null,
        ["GET /ui/workflows/{file}/parameters"] = ApiRole.Viewer,
    };

    /// <summary>Web UI pages: an anonymous request is redirected to the sign-in page instead of getting 401.</summary>
    private static readonly HashSet<string> UiPages = ["GET /", "POST /", "GET /executions", "POST /executions", "GET /runs/{Id}", "POST /runs/{Id}", "GET /_framework/opaque-redirect",
        "GET /inventory", "POST /inventory", "GET /workflows", "POST /workflows", "GET /workflows/{File}", "POST /workflows/{File}",
        "GET /schedules", "POST /schedules", "GET /audit", "POST /audit", "GET /tokens", "POST /tokens"];

    private ServerHost _host = null!;

    private const int BodyLimit = 8 * 1024;

    public async Task InitializeAsync() => _host = await ServerHost.StartAsync(bigTargets: 1, tune: o => o with { MaxRequestBodyBytes = BodyLimit });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private IReadOnlyList<string> Endpoints() =>
    [
        .. _host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => $"{m} {e.RoutePattern.RawText}")),
    ];

    [Fact]
    public void EveryEndpoint_IsClassified()
    {
        Assert.Equal(Expected.Keys.Order(), Endpoints().Order());
    }

    [Fact(Timeout = 120000)]
    public async Task EveryEndpoint_EveryRole_AllowsOrRejectsAsClassified()
    {
        var failures = new List<string>();
        foreach (string endpoint in Endpoints())
        {
            string method = endpoint[..endpoint.IndexOf(' ', StringComparison.Ordinal)];
            string path = endpoint[(method.Length + 1)..].Replace("{documentName}", "v1", StringComparison.Ordinal)
                .Replace("{id}", "no-such-batch", StringComparison.Ordinal).Replace("{name}", "no-such-name", StringComparison.Ordinal)
                .Replace("{step}", "no-such-step", StringComparison.Ordinal);
            ApiRole? required = Expected[endpoint];
            foreach (ApiRole? role in new ApiRole?[] { null, ApiRole.Viewer, ApiRole.Operator, ApiRole.Admin })
            {
                using HttpClient client = _host.Client(role);
                using var request = new HttpRequestMessage(new HttpMethod(method), path);
                if (method is "POST" or "PATCH")
                {
                    // The web UI's sign-in takes a form post; every other POST takes JSON.
                    request.Content = endpoint == "POST /session" ? new FormUrlEncodedContent([]) : new StringContent("{}", Encoding.UTF8, "application/json");
                }

                using HttpResponseMessage response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                HttpStatusCode expected = required is null ? HttpStatusCode.OK
                    : role is null ? HttpStatusCode.Unauthorized
                    : role < required ? HttpStatusCode.Forbidden
                    : HttpStatusCode.OK;
                bool ok = role is null && UiPages.Contains(endpoint)
                    ? response.RequestMessage!.RequestUri!.AbsolutePath == "/signin"
                    : expected == HttpStatusCode.OK
                    ? response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                    : response.StatusCode == expected;
                if (!ok)
                {
                    failures.Add($"{endpoint} as {role?.ToWireName() ?? "anonymous"}: {(int)response.StatusCode}, expected {(expected == HttpStatusCode.OK ? "allowed" : ((int)expected).ToString(System.Globalization.CultureInfo.InvariantCulture))}");
                }

                if (!response.Headers.TryGetValues("X-Content-Type-Options", out IEnumerable<string>? nosniff) || nosniff.Single() != "nosniff")
                {
                    failures.Add($"{endpoint} as {role?.ToWireName() ?? "anonymous"}: no X-Content-Type-Options: nosniff");
                }
            }

            // An oversized body is refused with 413 on every endpoint, once the caller may use it.
            using (HttpClient allowed = _host.Client(ApiRole.Admin))
            using (var oversized = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent("{\"x\":\"" + new string('a', BodyLimit) + "\"}", Encoding.UTF8, "application/json") })
            using (HttpResponseMessage tooLarge = await allowed.SendAsync(oversized, HttpCompletionOption.ResponseHeadersRead))
            {
                if (tooLarge.StatusCode != HttpStatusCode.RequestEntityTooLarge)
                {
                    failures.Add($"{endpoint} with a {BodyLimit + 8}-byte body: {(int)tooLarge.StatusCode}, expected 413");
                }
            }
        }

        // Every 403 is audited with the actor and the endpoint (401s are, at most once a minute per address: see HardeningTests).
        string forbidden = string.Join("\n", (await _host.AuditAsync("request.forbidden")).Select(e => e.GetProperty("actor").GetString() + " " + e.GetProperty("detail").GetString()));
        foreach (string endpoint in Endpoints().Where(e => Expected[e] is ApiRole.Operator or ApiRole.Admin))
        {
            string method = endpoint[..endpoint.IndexOf(' ', StringComparison.Ordinal)];
            string prefix = endpoint[(method.Length + 1)..].Split('{')[0].TrimEnd('/');
            if (!forbidden.Contains($"viewer 403 {method} {prefix}", StringComparison.Ordinal))
            {
                failures.Add($"{endpoint}: the viewer's 403 is not in the audit log");
            }
        }

        Assert.NotEmpty(await _host.AuditAsync("request.unauthorized"));
        Assert.Empty(failures);
    }

    [Theory(Timeout = 30000)]
    [InlineData("Bearer fo_00000000_notavalidtokenatallnotavalidtokenatall0000")]
    [InlineData("Bearer garbage")]
    [InlineData("Basic YWRtaW46YWRtaW4=")]
    public async Task BadCredentials_Return401ProblemWithChallenge(string header)
    {
        using var client = new HttpClient { BaseAddress = _host.Address };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/runs");
        request.Headers.TryAddWithoutValidation("Authorization", header);
        using HttpResponseMessage response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact(Timeout = 30000)]
    public async Task RevokedToken_Returns401()
    {
        using HttpClient admin = _host.Client();
        using HttpResponseMessage created = await admin.PostAsync("/api/tokens", new StringContent("{\"name\":\"temp\",\"role\":\"viewer\"}", Encoding.UTF8, "application/json"));
        string secret = System.Text.Json.JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("secret").GetString()!;
        using var client = new HttpClient { BaseAddress = _host.Address };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);
        HttpStatusCode before = (await client.GetAsync("/api/runs")).StatusCode;
        using HttpResponseMessage revoked = await admin.DeleteAsync("/api/tokens/temp");
        HttpStatusCode after = (await client.GetAsync("/api/runs")).StatusCode;

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, before);
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after);
    }
}

/// <summary>Failed authentications are limited per presented credential and per client address; a valid token is never limited.</summary>
public sealed class AuthRateLimitTests
{
    [Fact(Timeout = 60000)]
    public async Task FailedAttempts_PastTheLimit_Return429ToFailingRequestsOnly_NeverToAValidToken()
    {
        await using ServerHost host = await ServerHost.StartAsync(failedAuthLimit: 5, bigTargets: 1);
        using HttpClient anonymous = host.ClientWithToken(null);
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 6; i++)
        {
            statuses.Add((await anonymous.GetAsync("/api/runs")).StatusCode);
        }

        using HttpResponseMessage blocked = await anonymous.GetAsync("/api/runs");
        using HttpClient valid = host.Client(ApiRole.Viewer);
        HttpStatusCode validRuns = (await valid.GetAsync("/api/runs")).StatusCode;
        HttpStatusCode validMetrics = (await valid.GetAsync("/metrics")).StatusCode;
        HttpStatusCode admin = (await host.Client().GetAsync("/api/tokens")).StatusCode;
        HttpStatusCode health = (await anonymous.GetAsync("/healthz")).StatusCode;

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 5).Append(HttpStatusCode.TooManyRequests), statuses);
        Assert.Equal(HttpStatusCode.TooManyRequests, blocked.StatusCode);
        Assert.True(blocked.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal(HttpStatusCode.OK, validRuns);
        Assert.Equal(HttpStatusCode.OK, validMetrics);
        Assert.Equal(HttpStatusCode.OK, admin);
        Assert.Equal(HttpStatusCode.OK, health);
    }

    [Fact(Timeout = 60000)]
    public async Task LockoutNeverBlocksAValidToken_EvenUnderAFloodOfBadCredentials()
    {
        await using ServerHost host = await ServerHost.StartAsync(failedAuthLimit: 3, bigTargets: 1);
        using HttpClient bad = host.ClientWithToken("fo_0badc0de_notavalidtokenatallnotavalidtokenatall0000");
        using HttpClient valid = host.Client(ApiRole.Viewer);
        var validStatuses = new List<HttpStatusCode>();
        var badStatuses = new List<HttpStatusCode>();
        for (int i = 0; i < 20; i++)
        {
            badStatuses.Add((await bad.GetAsync("/api/runs")).StatusCode);
            validStatuses.Add((await valid.GetAsync("/api/runs")).StatusCode);
        }

        Assert.All(validStatuses, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 3), badStatuses.Take(3));
        Assert.All(badStatuses.Skip(3), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
    }
}
