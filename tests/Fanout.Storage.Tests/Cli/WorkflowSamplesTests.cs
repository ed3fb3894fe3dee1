using System.Diagnostics;

namespace Fanout.Storage.Tests.Cli;

/// <summary>Every sample in samples/workflows runs as docs/workflows.md shows it, on local targets.</summary>
public sealed class WorkflowSamplesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-samples-").FullName;

    public WorkflowSamplesTests()
    {
        File.WriteAllText(Path.Combine(_dir, "fanout.yaml"), """
            defaults: {transport: local}
            targets:
              web-01: {tags: {web: "yes", linux: "yes"}}
              web-02: {tags: {web: "yes", linux: "yes"}}
              db-01: {tags: {db: "yes", linux: "yes"}}
            groups:
              web: {targets: [web-01, web-02]}
            """);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Sample(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir!.FullName, "Fanout.slnx")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir.FullName, "samples", "workflows", name + ".yaml");
    }

    [Theory(Timeout = 120000)]
    [InlineData("deployment", "deploy/deploy-worker: deploy worker 1.2.3", "--set", "version=1.2.3", "-e", "staging")]
    [InlineData("error-handling", "on_success/celebrate: migration complete")]
    [InlineData("conditional-deployment", "report: done with token ***")]
    [InlineData("circuit-breaker", "reconcile: reconciling with eur=0.92")]
    [InlineData("maintenance", "report: maintenance done within 2h")]
    public async Task Run_Sample_Succeeds(string sample, string expected, params string[] args)
    {
        FanoutProcess.Result result = await FanoutProcess.RunAsync(_dir, ["run", Sample(sample), "--store", Path.Combine(_dir, "store.db"), .. args]);

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Contains(expected, result.Stdout);
    }

    [Fact(Timeout = 120000)]
    public async Task Run_BlueGreenSample_WaitsForApprovalThenSwitches()
    {
        string store = Path.Combine(_dir, "store.db");
        using Process run = FanoutProcess.Start(_dir, "run", Sample("blue-green"), "--set", "version=2.0.0", "--progress", "--store", store);
        run.StandardInput.Close();
        Task<string> stdout = run.StandardOutput.ReadToEndAsync();
        string? runId = await FanoutProcess.ReadApprovalRunIdAsync(run);

        Assert.NotNull(runId);
        FanoutProcess.Result approved = await FanoutProcess.RunAsync(_dir, "approve", runId!, "approve-switch", "--store", store);
        Assert.True(approved.ExitCode == 0, approved.Stderr);
        _ = run.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await run.WaitForExitAsync(deadline.Token);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("switch-traffic: switching traffic to green", await stdout);
    }
}
