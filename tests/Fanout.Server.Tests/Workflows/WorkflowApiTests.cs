using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fanout.Runs;
using Fanout.Security;
using Fanout.Workflows.Engine;

namespace Fanout.Server.Tests.Workflows;

/// <summary>Workflows over the API (SPEC A4, W14): run, plan, approve/reject, workflow and task batch actions, metrics.</summary>
public sealed class WorkflowApiTests : IAsyncLifetime
{
    private const string Hello = """
        name: hello
        parameters: [{name: who}]
        steps:
          - {name: greet, command: "echo hi {{ .who }}"}
        metrics:
          custom_metrics:
            - {name: steps_ok, type: gauge, value: ".succeeded_steps"}
        """;

    private const string Shadow = """
        name: shadow
        steps:
          - {name: greet, command: "echo hi"}
        metrics:
          custom_metrics:
            - {name: fanout_runs_total, type: gauge, value: ".succeeded_steps"}
        """;

    private const string Gated = """
        name: gated
        steps:
          - {name: build, command: echo build}
          - {name: gate, manual_approval: true}
          - {name: after, command: echo after}
        """;

    private const string Kinds = """
        name: kinds
        parameters:
          - {name: who}
          - {name: opts, type: object}
        steps:
          - {name: check, command: "test {{ .who }} = '[\"a\"]' && test {{ .opts.k }} = 'x,y' && echo ok"}
        """;

    private const string Rollout = """
        name: rollout
        steps:
          - name: rollout
            command: "test $FANOUT_TARGET != t02"
            targets: {group: web, max_fail_percent: 50}
        """;

    private const string Secret = """
        name: secret
        parameters:
          - {name: token, secret: true, required: true}
          - {name: who}
        steps:
          - {name: use, command: "test {{ .token }} = api-s3cret && echo ok {{ .who }}"}
        """;

    private const string Typed = """
        name: typed
        parameters:
          - {name: version, required: true, description: the release, validation: {pattern: '^[0-9]+[.][0-9]+[.][0-9]+$'}}
          - {name: replicas, type: number, default: 2, validation: {min: 1, max: 9}}
          - {name: canary, type: boolean, default: false}
          - {name: region, default: eu, validation: {allowed: [eu, us]}}
          - {name: services, type: list, default: [api]}
          - {name: api_key, secret: true, default: hunter2}
        steps:
          - {name: show, command: "echo {{ .version }} {{ .replicas }}"}
        """;

    private const string Diamond = """
        name: diamond
        steps:
          - {name: build, command: echo build}
          - name: deploy
            depends_on: [build]
            parallel: true
            steps:
              - {name: api, command: echo api}
              - {name: worker, command: echo worker}
          - {name: gate, depends_on: [deploy], manual_approval: true}
        """;

    private ServerHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await ServerHost.StartAsync(bigTargets: 1, withProvider: true);
        string dir = Path.Combine(_host.Directory, "workflows");
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "hello.yaml"), Hello);
        await File.WriteAllTextAsync(Path.Combine(dir, "gated.yaml"), Gated);
        await File.WriteAllTextAsync(Path.Combine(dir, "shadow.yaml"), Shadow);
        await File.WriteAllTextAsync(Path.Combine(dir, "rollout.yaml"), Rollout);
        await File.WriteAllTextAsync(Path.Combine(dir, "secret.yaml"), Secret);
        await File.WriteAllTextAsync(Path.Combine(dir, "typed.yaml"), Typed);
        await File.WriteAllTextAsync(Path.Combine(dir, "kinds.yaml"), Kinds);
        await File.WriteAllTextAsync(Path.Combine(dir, "diamond.yaml"), Diamond);
        await File.WriteAllTextAsync(Path.Combine(dir, "bad.yaml"), "name: bad\nsteps:\n  - {name: s, comand: echo}\n");
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact(Timeout = 60000)]
    public async Task Breakers_ListAndReset_ClosesAnOpenBreakerAndAudits()
    {
        var store = _host.Store.Workflows!;
        await store.SaveBreakerAsync(new CircuitBreakerRecord { Workflow = "payments", Name = "db", State = "open", ConsecutiveFailures = 5, OpenedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow }, CancellationToken.None);

        JsonElement listed = await _host.GetJsonAsync("/api/breakers?workflow=payments");
        using HttpClient viewer = _host.Client(ApiRole.Viewer);
        HttpResponseMessage refused = await viewer.PostAsync("/api/breakers/payments/db/reset", null);
        using HttpClient operatorClient = _host.Client(ApiRole.Operator);
        HttpResponseMessage missing = await operatorClient.PostAsync("/api/breakers/payments/nope/reset", null);
        HttpResponseMessage reset = await operatorClient.PostAsync("/api/breakers/payments/db/reset", null);

        JsonElement breaker = Assert.Single(listed.GetProperty("breakers").EnumerateArray());
        Assert.Equal(("db", "open", 5), (breaker.GetProperty("name").GetString(), breaker.GetProperty("state").GetString(), breaker.GetProperty("consecutiveFailures").GetInt32()));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        CircuitBreakerRecord after = (await store.GetBreakerAsync("payments", "db", CancellationToken.None))!;
        Assert.Equal(("closed", 0), (after.State, after.ConsecutiveFailures));
        Assert.Contains(await _host.AuditAsync("breaker.reset"), a => a.GetProperty("batchId").GetString() == "payments/db");
    }

    [Fact(Timeout = 60000)]
    public async Task Run_RecordsTheRunInHistory_AndExposesItsMetrics()
    {
        string runId = await StartAsync("/api/workflows/run", new { file = "hello.yaml", parameters = new { who = "api" } }, "runId");
        RunRecord run = await WaitAsync(runId, r => r.Status is not (RunStatus.Running or RunStatus.AwaitingApproval));
        IReadOnlyList<RunRecord> history = await _host.Store.QueryRunsAsync(new RunQuery { Kind = "workflow", Name = "hello" }, CancellationToken.None);
        string metrics = await WaitForMetricAsync("\nsteps_ok{");

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal("operator", run.Actor);
        Assert.Contains(history, r => r.RunId == runId);
        Assert.Contains("\nsteps_ok{workflow=\"hello\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("# TYPE fanout_approvals_pending gauge", metrics, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task WorkflowMetric_NamedLikeABuiltInFamily_IsPrefixed_NeverASecondTypeBlock()
    {
        string runId = await StartAsync("/api/workflows/run", new { file = "shadow.yaml" }, "runId");
        RunRecord run = await WaitAsync(runId, r => r.Status is not (RunStatus.Running or RunStatus.AwaitingApproval));
        string metrics = await WaitForMetricAsync("\nworkflow_fanout_runs_total{");

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Contains("\nworkflow_fanout_runs_total{workflow=\"shadow\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.Single(metrics.Split('\n'), l => l.StartsWith("# TYPE fanout_runs_total ", StringComparison.Ordinal));
        Assert.Contains("# TYPE fanout_runs_total counter", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain(metrics.Split('\n'), l => l.StartsWith("fanout_runs_total{workflow=", StringComparison.Ordinal));
    }

    [Fact(Timeout = 60000)]
    public async Task Run_SecretParameter_TheCommandSeesIt_TheRecordNamesItButHoldsNeitherValueNorMask()
    {
        string runId = await StartAsync("/api/workflows/run", new { file = "secret.yaml", parameters = new { token = "api-s3cret", who = "api" } }, "runId");
        RunRecord run = await WaitAsync(runId, r => r.Status is not (RunStatus.Running or RunStatus.AwaitingApproval));

        Assert.Equal(RunStatus.Succeeded, run.Status); // the command compared the real value
        Assert.DoesNotContain("api-s3cret", run.Operation!, StringComparison.Ordinal);
        Assert.DoesNotContain("***", run.Operation!, StringComparison.Ordinal);
        Assert.Contains("\"inlineSecrets\":[\"token\"]", run.Operation!, StringComparison.Ordinal);
        Assert.Contains("who=api", run.Operation!, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task Run_IsInTheStoreBeforeItsAnswer_SoTheRunDocumentIsThereAtOnce()
    {
        for (int i = 0; i < 5; i++)
        {
            foreach (string path in new[] { "/api/workflows/run", "/api/executions/batch" })
            {
                object body = path == "/api/workflows/run"
                    ? new { file = "hello.yaml", parameters = new { who = "now" } }
                    : new { action = new { type = "workflow", value = "hello.yaml", parameters = new { who = "now" } } };
                string runId = await StartAsync(path, body, path == "/api/workflows/run" ? "runId" : "batchId");
                using HttpClient viewer = _host.Client(ApiRole.Viewer);
                using HttpResponseMessage run = await viewer.GetAsync($"/api/runs/{runId}");

                Assert.True(run.StatusCode == HttpStatusCode.OK, $"{path} #{i}: GET /api/runs/{runId} right after the answer: {run.StatusCode}");
                Assert.Equal(RunStatus.Succeeded, (await WaitAsync(runId, r => r.Status is not (RunStatus.Queued or RunStatus.Running or RunStatus.AwaitingApproval))).Status);
            }
        }
    }

    [Fact(Timeout = 60000)]
    public async Task Run_AStringThatLooksLikeJson_StaysAString_AndAnObjectIsAMap()
    {
        string runId = await StartAsync("/api/workflows/run", new { file = "kinds.yaml", parameters = new { who = "[\"a\"]", opts = new { k = "x,y" } } }, "runId");
        RunRecord run = await WaitAsync(runId, r => r.Status is not (RunStatus.Running or RunStatus.AwaitingApproval));
        using HttpClient client = _host.Client(ApiRole.Operator);
        using HttpResponseMessage nullValue = await client.PostAsync("/api/workflows/run",
            new StringContent("""{"file": "kinds.yaml", "parameters": {"who": null}}""", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(RunStatus.Succeeded, run.Status); // the command compared the exact text and the map's value
        Assert.Equal(HttpStatusCode.BadRequest, nullValue.StatusCode);
        Assert.Contains("parameters.who", await nullValue.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task Run_FanOutWithinMaxFailPercent_ItsFailedTargetIsInTheApiRunDocument()
    {
        string runId = await StartAsync("/api/workflows/run", new { file = "rollout.yaml" }, "runId");
        RunRecord run = await WaitAsync(runId, r => r.Status is not (RunStatus.Running or RunStatus.AwaitingApproval));

        JsonElement document = await _host.GetJsonAsync($"/api/runs/{runId}");

        // The step succeeded within its threshold; each of its targets is a unit of the run with its own row.
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(new RunCounts(3, 2, 1, 0, 0, 0, 0), run.Counts);
        var states = document.GetProperty("targets").EnumerateArray().ToDictionary(t => t.GetProperty("target").GetString()!, t => t.GetProperty("state").GetString());
        Assert.Equal(new Dictionary<string, string?> { ["rollout/t01"] = "succeeded", ["rollout/t02"] = "failed", ["rollout/t03"] = "succeeded" }, states);
    }

    [Fact(Timeout = 60000)]
    public async Task Approve_UnblocksTheWaitingRun_AndIsAudited()
    {
        string runId = await StartAsync("/api/workflows/run", new { file = "gated.yaml" }, "runId");
        await WaitPendingAsync(runId);
        string pending = await WaitForMetricAsync("fanout_approvals_pending 1");
        using HttpClient operatorClient = _host.Client(ApiRole.Operator);
        using HttpResponseMessage approved = await operatorClient.PostAsJsonAsync($"/api/runs/{runId}/steps/gate/approve", new { comment = "ship it" });
        RunRecord run = await WaitAsync(runId, r => r.Status is not (RunStatus.Running or RunStatus.AwaitingApproval));
        using HttpResponseMessage again = await operatorClient.PostAsJsonAsync($"/api/runs/{runId}/steps/gate/approve", new { comment = "twice" });
        using HttpResponseMessage noStep = await operatorClient.PostAsJsonAsync($"/api/runs/{runId}/steps/nope/approve", new { });
        using HttpResponseMessage noRun = await operatorClient.PostAsJsonAsync("/api/runs/no-such-run/steps/gate/approve", new { });
        IReadOnlyList<ApprovalRecord> approvals = await _host.Store.Workflows!.GetApprovalsAsync(runId, CancellationToken.None);
        JsonElement audit = await _host.GetJsonAsync($"/api/audit?batchId={runId}");

        Assert.Contains("fanout_approvals_pending 1", pending, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, noStep.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, noRun.StatusCode);
        ApprovalRecord gate = Assert.Single(approvals);
        Assert.Equal(("approved", "operator", "ship it"), (gate.Status, gate.Actor, gate.Comment));
        Assert.Contains("workflow.approve", audit.GetRawText(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task Reject_FailsTheWaitingRun()
    {
        string runId = await StartAsync("/api/workflows/run", new { file = "gated.yaml" }, "runId");
        await WaitPendingAsync(runId);
        using HttpClient operatorClient = _host.Client(ApiRole.Operator);
        using HttpResponseMessage rejected = await operatorClient.PostAsJsonAsync($"/api/runs/{runId}/steps/gate/reject", new { comment = "not today" });
        RunRecord run = await WaitAsync(runId, r => r.Status is not (RunStatus.Running or RunStatus.AwaitingApproval));
        IReadOnlyList<WorkflowStepRecord> steps = await _host.Store.Workflows!.GetStepsAsync(runId, CancellationToken.None);

        Assert.Equal(HttpStatusCode.OK, rejected.StatusCode);
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.DoesNotContain(steps, s => s.Path == "after" && s.State == "succeeded");
    }

    [Fact(Timeout = 60000)]
    public async Task WorkflowBatchAction_RunsTheWorkflow()
    {
        string runId = await StartAsync("/api/executions/batch", new { action = new { type = "workflow", value = "hello.yaml", parameters = new { who = "batch" } } }, "batchId");
        RunRecord run = await WaitAsync(runId, r => r.Status is not (RunStatus.Running or RunStatus.AwaitingApproval));

        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal("workflow", run.Kind);
        Assert.Contains("batch", run.Parameters ?? string.Empty, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task TaskAction_RunsTheTargetsProvider()
    {
        string batchId = await _host.CreateBatchAsync(new { targetNodeIds = new[] { "p01" }, action = new { type = "task", value = "start" } });
        JsonElement status = await _host.WaitFinishedAsync(batchId);

        Assert.Equal("succeeded", status.GetProperty("runStatus").GetString());
        Assert.True(File.Exists(Path.Combine(_host.Directory, "started-p01")));
        // One run model: recorded with the kind `fanout start` records (it was "exec"), so ?kind=lifecycle finds it.
        Assert.Equal("lifecycle", (await _host.Store.GetRunAsync(batchId, CancellationToken.None))!.Kind);
    }

    [Fact(Timeout = 60000)]
    public async Task BadWorkflow_Returns400WithPositions_AndEscapingPathsAreRefused()
    {
        using HttpClient client = _host.Client(ApiRole.Operator);
        using HttpResponseMessage bad = await client.PostAsJsonAsync("/api/workflows/run", new { file = "bad.yaml" });
        using HttpResponseMessage escape = await client.PostAsJsonAsync("/api/workflows/run", new { file = "../inventory.yaml" });
        using HttpResponseMessage plan = await client.PostAsJsonAsync("/api/workflows/plan", new { file = "gated.yaml", format = "mermaid" });
        JsonElement badBody = JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement;
        string escapeBody = await escape.Content.ReadAsStringAsync();
        JsonElement planBody = JsonDocument.Parse(await plan.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        JsonElement diagnostic = badBody.GetProperty("diagnostics")[0];
        Assert.Equal(3, diagnostic.GetProperty("line").GetInt32());
        Assert.StartsWith("bad.yaml:3:", diagnostic.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("bad.yaml:3:", badBody.GetProperty("errors").GetProperty("file")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, escape.StatusCode);
        Assert.Contains("outside the server's workflows directory", escapeBody, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, plan.StatusCode);
        Assert.Contains("gate", planBody.GetProperty("plan").GetString(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task GetWorkflow_GivesTypedParameters_WithoutSecretDefaults_AndBadValuesAreNamedAtTheirParameter()
    {
        JsonElement doc = await _host.GetJsonAsync("/api/workflows/typed.yaml");
        using HttpClient client = _host.Client(ApiRole.Operator);
        using HttpResponseMessage missing = await client.GetAsync("/api/workflows/nope.yaml");
        using HttpResponseMessage escaping = await client.GetAsync("/api/workflows/..%2Finventory.yaml");
        using HttpResponseMessage run = await client.PostAsJsonAsync("/api/workflows/run", new { file = "typed.yaml", parameters = new { version = "latest", replicas = 42 } });
        using HttpResponseMessage batch = await client.PostAsJsonAsync("/api/executions/batch", new { action = new { type = "workflow", value = "typed.yaml", parameters = new { replicas = 3 } } });
        JsonElement runErrors = JsonDocument.Parse(await run.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        JsonElement batchErrors = JsonDocument.Parse(await batch.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");

        Assert.True(doc.GetProperty("valid").GetBoolean());
        var p = doc.GetProperty("parameters").EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!);
        Assert.Equal(["version", "replicas", "canary", "region", "services", "api_key"], p.Keys);
        Assert.Equal(("string", true, "the release"), (p["version"].GetProperty("type").GetString(), p["version"].GetProperty("required").GetBoolean(), p["version"].GetProperty("description").GetString()));
        Assert.Equal(("number", 2, 9.0), (p["replicas"].GetProperty("type").GetString(), p["replicas"].GetProperty("default").GetInt32(), p["replicas"].GetProperty("max").GetDouble()));
        Assert.Equal(["eu", "us"], p["region"].GetProperty("allowed").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("list", p["services"].GetProperty("type").GetString());
        Assert.True(p["api_key"].GetProperty("secret").GetBoolean());
        Assert.True(p["api_key"].GetProperty("hasDefault").GetBoolean());
        Assert.Equal(JsonValueKind.Null, p["api_key"].GetProperty("default").ValueKind);
        Assert.DoesNotContain("hunter2", doc.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, escaping.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, run.StatusCode);
        Assert.Contains("does not match", runErrors.GetProperty("parameters.version")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("at most 9", runErrors.GetProperty("parameters.replicas")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, batch.StatusCode);
        Assert.Contains("is required", batchErrors.GetProperty("action.parameters.version")[0].GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(await _host.Store.QueryRunsAsync(new RunQuery(), CancellationToken.None), r => r.Name == "typed");
    }

    [Fact(Timeout = 90000)]
    public async Task Graph_OfAWorkflowFile_AndOfARun_NodesEdgesAndLiveStepStates()
    {
        JsonElement file = await _host.GetJsonAsync("/api/workflows/diamond.yaml/graph");
        using HttpClient viewer = _host.Client(ApiRole.Viewer);
        using HttpResponseMessage invalid = await viewer.GetAsync("/api/workflows/bad.yaml/graph");
        using HttpResponseMessage missing = await viewer.GetAsync("/api/workflows/nope.yaml/graph");

        Assert.Equal("diamond", file.GetProperty("workflow").GetString());
        var nodes = file.GetProperty("nodes").EnumerateArray().ToDictionary(n => n.GetProperty("id").GetString()!);
        Assert.Equal(["build", "deploy", "deploy/api", "deploy/worker", "gate"], nodes.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(("group", (string?)null), (nodes["deploy"].GetProperty("kind").GetString(), nodes["deploy"].GetProperty("parent").GetString()));
        Assert.Equal("deploy", nodes["deploy/api"].GetProperty("parent").GetString());
        Assert.Equal("approval", nodes["gate"].GetProperty("kind").GetString());
        Assert.All(nodes.Values, n => Assert.Equal("pending", n.GetProperty("state").GetString()));
        var edges = file.GetProperty("edges").EnumerateArray().Select(e => (e.GetProperty("from").GetString(), e.GetProperty("to").GetString(), e.GetProperty("implicit").GetBoolean())).ToList();
        Assert.Contains(("build", "deploy", false), edges);
        Assert.Contains(("deploy", "gate", false), edges);
        Assert.DoesNotContain(edges, e => e.Item1 == "deploy/api" && e.Item2 == "deploy/worker"); // parallel siblings: no order between them
        Assert.DoesNotContain("echo", file.GetRawText(), StringComparison.Ordinal); // no command text in a graph
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        // A run: the recorded step states, live (the gate waits for a person).
        string runId = await StartAsync("/api/workflows/run", new { file = "diamond.yaml" }, "runId");
        await WaitPendingAsync(runId);
        JsonElement run = await _host.GetJsonAsync($"/api/runs/{runId}/graph");
        var states = run.GetProperty("nodes").EnumerateArray().ToDictionary(n => n.GetProperty("id").GetString()!, n => n.GetProperty("state").GetString());
        Assert.Equal(runId, run.GetProperty("runId").GetString());
        Assert.Equal("succeeded", states["build"]);
        Assert.Equal("succeeded", states["deploy/api"]);
        Assert.Equal("succeeded", states["deploy/worker"]);
        Assert.Equal("awaiting-approval", states["gate"]);
        using HttpClient operatorClient = _host.Client(ApiRole.Operator);
        using HttpResponseMessage rejected = await operatorClient.PostAsync($"/api/runs/{runId}/steps/gate/reject", null);
        Assert.Equal(HttpStatusCode.OK, rejected.StatusCode);
        await WaitAsync(runId, r => r.Status is not (RunStatus.Running or RunStatus.AwaitingApproval));
        JsonElement ended = await _host.GetJsonAsync($"/api/runs/{runId}/graph");
        Assert.Equal("failed", ended.GetProperty("status").GetString());
        Assert.Equal("failed", ended.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("id").GetString() == "gate").GetProperty("state").GetString());

        // Only workflow runs have a graph; unknown runs are 404.
        string exec = await _host.CreateBatchAsync(new { targetNodeIds = new[] { "t01" }, action = new { type = "command", value = "true" } });
        using HttpResponseMessage notWorkflow = await viewer.GetAsync($"/api/runs/{exec}/graph");
        using HttpResponseMessage unknown = await viewer.GetAsync("/api/runs/nope/graph");
        Assert.Equal(HttpStatusCode.NotFound, notWorkflow.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    private async Task<string> StartAsync(string path, object body, string idField)
    {
        using HttpClient client = _host.Client(ApiRole.Operator);
        using HttpResponseMessage response = await client.PostAsJsonAsync(path, body);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.GetProperty(idField).GetString()!;
    }

    private async Task<RunRecord> WaitAsync(string runId, Func<RunRecord, bool> done)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        while (true)
        {
            // A run is recorded queued before the API answers; it is never "done" before it has started.
            if (await _host.Store.GetRunAsync(runId, deadline.Token) is { Status: not RunStatus.Queued } run && done(run))
            {
                return run;
            }

            await Task.Delay(25, deadline.Token);
        }
    }

    private async Task WaitPendingAsync(string runId)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        while ((await _host.Store.Workflows!.GetApprovalsAsync(runId, deadline.Token)).All(a => a.Status != "pending"))
        {
            await Task.Delay(25, deadline.Token);
        }
    }

    private async Task<string> WaitForMetricAsync(string text)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        using HttpClient client = _host.Client(ApiRole.Viewer);
        while (true)
        {
            string metrics = await client.GetStringAsync("/metrics", deadline.Token);
            if (metrics.Contains(text, StringComparison.Ordinal))
            {
                return metrics;
            }

            await Task.Delay(25, deadline.Token);
        }
    }
}
