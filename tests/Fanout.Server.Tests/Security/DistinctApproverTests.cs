using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fanout.Security;
using Fanout.Workflows.Engine;

namespace Fanout.Server.Tests.Security;

/// <summary>Issue 12 item 4: separation of duties for approvals, from the workflow (<c>approval: {distinct_approver: true}</c>) or the server option.</summary>
public sealed class DistinctApproverTests
{
    private const string Gate = "steps:\n  - {name: build, command: echo build}\n  - {name: gate, manual_approval: true}\n  - {name: after, command: echo after}\n";

    [Fact(Timeout = 90000)]
    public async Task WorkflowOption_RefusesSelfApprovalWith403_AuditsTheDistinctApprover()
    {
        await using ServerHost host = await ServerHost.StartAsync(bigTargets: 1);
        await WriteAsync(host, "four-eyes.yaml", "name: four-eyes\napproval: {distinct_approver: true}\n" + Gate);
        string runId = await StartAsync(host, "four-eyes.yaml");
        await WaitPendingAsync(host, runId);

        using HttpResponseMessage self = await host.Client(ApiRole.Operator).PostAsJsonAsync($"/api/runs/{runId}/steps/gate/approve", new { comment = "me" });
        using HttpResponseMessage other = await host.Client(ApiRole.Admin).PostAsJsonAsync($"/api/runs/{runId}/steps/gate/approve", new { comment = "you" });
        JsonElement approval = Assert.Single(await host.AuditAsync("workflow.approve"));
        JsonElement refusal = (await host.AuditAsync("request.forbidden")).Last();

        Assert.Equal(HttpStatusCode.Forbidden, self.StatusCode);
        Assert.Contains("distinct approver", await self.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal("admin", approval.GetProperty("actor").GetString());
        Assert.Contains("started by operator, approved by admin", approval.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("operator", refusal.GetProperty("actor").GetString());
        Assert.Contains("/steps/gate/approve", refusal.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 90000)]
    public async Task ServerOption_RefusesSelfApprovalOfAnyWorkflow_WithoutItSelfApprovalWorks()
    {
        await using ServerHost strict = await ServerHost.StartAsync(bigTargets: 1, tune: o => o with { RequireDistinctApprover = true });
        await WriteAsync(strict, "plain.yaml", "name: plain\n" + Gate);
        string strictRun = await StartAsync(strict, "plain.yaml");
        await WaitPendingAsync(strict, strictRun);
        using HttpResponseMessage refused = await strict.Client(ApiRole.Operator).PostAsync($"/api/runs/{strictRun}/steps/gate/approve", null);
        using HttpResponseMessage rejected = await strict.Client(ApiRole.Operator).PostAsync($"/api/runs/{strictRun}/steps/gate/reject", null);

        await using ServerHost lenient = await ServerHost.StartAsync(bigTargets: 1);
        await WriteAsync(lenient, "plain.yaml", "name: plain\n" + Gate);
        string lenientRun = await StartAsync(lenient, "plain.yaml");
        await WaitPendingAsync(lenient, lenientRun);
        using HttpResponseMessage allowed = await lenient.Client(ApiRole.Operator).PostAsync($"/api/runs/{lenientRun}/steps/gate/approve", null);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, rejected.StatusCode); // the starter may still stop their own run
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    private static async Task WriteAsync(ServerHost host, string file, string yaml)
    {
        Directory.CreateDirectory(Path.Combine(host.Directory, "workflows"));
        await File.WriteAllTextAsync(Path.Combine(host.Directory, "workflows", file), yaml);
    }

    private static async Task<string> StartAsync(ServerHost host, string file)
    {
        using HttpClient client = host.Client(ApiRole.Operator);
        using HttpResponseMessage response = await client.PostAsJsonAsync("/api/workflows/run", new { file });
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("runId").GetString()!;
    }

    private static async Task WaitPendingAsync(ServerHost host, string runId)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while ((await host.Store.Workflows!.GetApprovalsAsync(runId, deadline.Token)).All(a => a.Status != "pending"))
        {
            await Task.Delay(25, deadline.Token);
        }
    }
}
