using System.Text.Json;
using Fanout.Cli.Tests.Trust;

namespace Fanout.Cli.Tests.Commands;

/// <summary><c>--stream</c> on <c>fanout retry</c> and <c>fanout resume</c> (issue 11) through the real executable.</summary>
public sealed class ContinueStreamTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);
    private readonly CliHarness _files = new();

    public void Dispose() => _files.Dispose();

    [Fact(Timeout = 240000)]
    public async Task Retry_Stream_PrintsEachTargetsLinesPrefixed_InOrder()
    {
        string inventory = _files.WriteInventory(2);
        (int exit, string stdout, string stderr) = await RunAsync("exec", "echo one-$FANOUT_TARGET; echo two-$FANOUT_TARGET; exit 1", "-i", inventory, "--all", "--yes", "-o", "json");
        Assert.True(exit == 1, stderr);
        string runId;
        using (JsonDocument doc = JsonDocument.Parse(stdout))
        {
            runId = doc.RootElement.GetProperty("runId").GetString()!;
        }

        (exit, stdout, stderr) = await RunAsync("retry", runId, "--failed", "--stream");

        Assert.True(exit == 1, stderr);
        foreach (string target in new[] { "node-01", "node-02" })
        {
            string[] lines = stdout.Split('\n').Where(l => l.StartsWith(target, StringComparison.Ordinal) && l.Contains(" | ", StringComparison.Ordinal)).ToArray();
            Assert.Equal([$"one-{target}", $"two-{target}"], lines.Select(l => l[(l.IndexOf(" | ", StringComparison.Ordinal) + 3)..]).ToArray());
        }
    }

    [Fact(Timeout = 240000)]
    public async Task Resume_Stream_OnAWorkflowRun_Exit2NamingIt()
    {
        string workflow = _files.WriteFile("wf.yaml", "name: wf\nsteps:\n  - name: a\n    command: \"true\"\n");
        (int exit, _, string stderr) = await RunAsync("run", workflow);
        Assert.True(exit == 0, stderr);
        (_, string history, _) = await RunAsync("history", "-o", "json");
        string runId;
        using (JsonDocument doc = JsonDocument.Parse(history))
        {
            runId = doc.RootElement.GetProperty("runs")[0].GetProperty("runId").GetString()!;
        }

        (exit, _, stderr) = await RunAsync("resume", runId, "--stream");

        Assert.Equal(2, exit);
        Assert.Contains($"--stream cannot apply to run {runId} (a workflow run)", stderr, StringComparison.Ordinal);
    }

    private async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using FanoutExe fanout = FanoutExe.Start(_files.Directory, null, args);
        return await fanout.WaitAsync(Limit);
    }
}
