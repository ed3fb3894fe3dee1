using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fanout.Runs;
using Fanout.Storage.Tests.Cli;

namespace Fanout.Storage.Tests.Cluster;

/// <summary>Issue 15: a workflow run started through the API of a <c>fanout serve --role api</c> runs its fan-out steps' targets on the workers.</summary>
public sealed partial class ClusterTests
{
    [Fact(Timeout = 300000)]
    public async Task WorkflowRun_ThroughTheApi_ItsFanOutStepsRunOnTheWorkers_NeverInTheApiServer()
    {
        string log = Path.Combine(_dir, "workflow.log");
        WriteWorkflow("spread.yaml", $$$"""
            name: spread
            steps:
              - name: greet
                targets: {pattern: "t*", parallel: 4}
                env: {GREETING: hello}
                command: echo "$GREETING {{ .target.name }} $FANOUT_TEST_WORKER" >> {{{log}}}; sleep 0.2
              - name: plain
                depends_on: [greet]
                command: echo "plain ${FANOUT_TEST_WORKER:-server}" >> {{{log}}}
            """);
        await using RunningCluster cluster = await StartClusterAsync(12, "w1", "w2");
        await WaitForSilosAsync(cluster.Store, 3);

        string runId = await StartWorkflowAsync(cluster.Serve, "spread.yaml");

        await using IRunStore runs = await StoreFactory.OpenAsync(cluster.Store, CancellationToken.None);
        RunRecord run = await WaitForRunAsync(runs, runId, r => r.Status is not (RunStatus.Queued or RunStatus.Running));

        Assert.Equal(RunStatus.Succeeded, run.Status);
        string[] lines = File.ReadAllLines(log);
        string[] greeted = [.. lines.Where(l => l.StartsWith("hello ", StringComparison.Ordinal))];

        // Each target's rendered command ran once, with the step's environment, on a worker — both workers took a share.
        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"t{i:000}"), greeted.Select(l => l.Split(' ')[1]).Order());
        Assert.Equal(["w1", "w2"], greeted.Select(l => l.Split(' ')[2]).Distinct().Order());
        // The plain step ran in the server that runs the workflow (no worker's environment).
        Assert.Equal("plain server", lines.Last());
        JsonElement status = await WaitAsync(cluster.Store, doc => doc.GetProperty("silos").EnumerateArray().Sum(s => s.GetProperty("completed").GetInt64()) >= 12);
        Assert.Equal(0, status.GetProperty("silos").EnumerateArray().Single(s => s.GetProperty("role").GetString() == "api").GetProperty("completed").GetInt64());
    }

    [Fact(Timeout = 420000)]
    public async Task WorkflowRun_ItsServerKilled9_TheOtherServerResumesIt_WithoutRerunningCompletedTargets() =>
        await WorkflowMovesToTheOtherServerAsync(async (serve, _) => await serve.KillAsync());

    [Fact(Timeout = 420000)]
    public async Task WorkflowRun_ItsServerStopped_IsHandedToTheOtherServer_NotCancelled() =>
        await WorkflowMovesToTheOtherServerAsync(async (serve, runId) =>
        {
            int? exit = await serve.StopAsync(TimeSpan.FromSeconds(90)); // SIGTERM mid-run
            Assert.Equal(0, exit);
            Assert.Contains($"Workflow run {runId} is handed over because the server is stopping", await serve.Stdout, StringComparison.Ordinal);
        });

    /// <summary>
    /// A two-step workflow over 8 targets is started on the first of two servers; when its first step is done and its second is
    /// running on 4 targets (held by a file), <paramref name="goAway"/> ends that server. The other server must take the run over by
    /// itself and complete it on the workers without running the first step's targets again.
    /// </summary>
    private async Task WorkflowMovesToTheOtherServerAsync(Func<ServeProcess, string, Task> goAway)
    {
        string log = Path.Combine(_dir, "workflow.log");
        string hold = Path.Combine(_dir, "hold");
        File.WriteAllText(hold, "");
        WriteWorkflow("twosteps.yaml", $$$"""
            name: twosteps
            steps:
              - name: first
                targets: {pattern: "t*", parallel: 4}
                command: echo "first {{ .target.name }}" >> {{{log}}}
              - name: second
                depends_on: [first]
                idempotent: true
                targets: {pattern: "t*", parallel: 4}
                command: echo "second {{ .target.name }} start" >> {{{log}}}; while [ -e {{{hold}}} ]; do sleep 0.2; done; echo "second {{ .target.name }} end" >> {{{log}}}
            """);
        await using RunningCluster cluster = await StartClusterAsync(8, "w1", "w2");
        await using ServeProcess other = await StartServeAsync(cluster.Store, cluster.Token, cluster.Inventory);
        await WaitForSilosAsync(cluster.Store, 4);

        string runId = await StartWorkflowAsync(cluster.Serve, "twosteps.yaml");
        await WaitForLinesAsync(log, 12);
        await goAway(cluster.Serve, runId);

        // Nobody resumes anything: the other server takes the workflow over by itself, then completes it.
        await using IRunStore runs = await StoreFactory.OpenAsync(cluster.Store, CancellationToken.None);
        await WaitForRunAsync(runs, runId, r => r is { ResumeCount: >= 1, Status: RunStatus.Running } && r.OwnerPid == other.Pid);
        File.Delete(hold);
        RunRecord run = await WaitForRunAsync(runs, runId, r => r.Status is not (RunStatus.Queued or RunStatus.Running));

        Assert.Equal(RunStatus.Succeeded, run.Status);
        string[] lines = File.ReadAllLines(log);
        // The completed first step did not run again; the second step ended on every target, on the workers.
        Assert.Equal(8, lines.Count(l => l.StartsWith("first ", StringComparison.Ordinal)));
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"t{i:000}"), lines.Where(l => l.EndsWith(" end", StringComparison.Ordinal)).Select(l => l.Split(' ')[1]).Distinct().Order());
        using HttpResponseMessage audit = await other.Client.GetAsync(new Uri("/api/audit?action=run.takeover", UriKind.Relative));
        string auditText = await audit.Content.ReadAsStringAsync();
        Assert.Contains(runId, auditText, StringComparison.Ordinal);
        Assert.Contains("workflow twosteps resumed here", auditText, StringComparison.Ordinal);
    }

    /// <summary>Writes <paramref name="yaml"/> as <paramref name="file"/> in the servers' workflows directory.</summary>
    private void WriteWorkflow(string file, string yaml)
    {
        Directory.CreateDirectory(Path.Combine(_dir, "workflows"));
        File.WriteAllText(Path.Combine(_dir, "workflows", file), yaml);
    }

    /// <summary>Starts the workflow <paramref name="file"/> through <paramref name="serve"/>'s API and returns its run id.</summary>
    private static async Task<string> StartWorkflowAsync(ServeProcess serve, string file)
    {
        using HttpResponseMessage started = await serve.Client.PostAsJsonAsync(new Uri("/api/workflows/run", UriKind.Relative), new { file });
        Assert.True(started.StatusCode == HttpStatusCode.Created, await started.Content.ReadAsStringAsync());
        return (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString()!;
    }

    /// <summary>Polls the store (180 s at most) until the run's record satisfies <paramref name="condition"/>.</summary>
    private static async Task<RunRecord> WaitForRunAsync(IRunStore runs, string runId, Func<RunRecord, bool> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        while (true)
        {
            if (await runs.GetRunAsync(runId, deadline.Token) is { } run && condition(run))
            {
                return run;
            }

            await Task.Delay(200, deadline.Token);
        }
    }
}
