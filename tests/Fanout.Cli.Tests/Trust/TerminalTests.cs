using System.Text.Json;
using System.Text.RegularExpressions;
using Fanout.Runs;
using Fanout.Storage;
using Fanout.Workflows.Engine;

namespace Fanout.Cli.Tests.Trust;

/// <summary>
/// What an operator sees at a real terminal (a pseudo-terminal of 80 columns, the real executable): issue 10 item 13 (the
/// live display fits 80 columns; the interrupt message is a line of its own) and issue 12 item 4 (the terminal approval
/// prompt honours <c>distinct_approver</c>).
/// </summary>
public sealed class TerminalTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);
    private readonly CliHarness _files = new();

    public void Dispose() => _files.Dispose();

    [Fact(Timeout = 240000)]
    public async Task Item13_LiveDisplayFitsEightyColumns_AndTheInterruptMessageIsALineOfItsOwn()
    {
        string inventory = _files.WriteInventory(12);
        using var fanout = TerminalFanout.Start(_files.Directory, 80, "exec", "-i", inventory, "--all", "--yes", "-p", "12", "--", "sleep 60");

        await fanout.WaitForAsync("running 12", Limit);
        await Task.Delay(1500); // a few redraws
        fanout.Type("\u0003");
        int exit = await fanout.WaitExitAsync(Limit);
        // The live display ends where the cursor is shown again; the summary after it is plain lines the terminal may wrap.
        string output = fanout.Output;
        int end = output.IndexOf("\u001b[?25h", StringComparison.Ordinal);
        var screen = TerminalScreen.Replay(end < 0 ? output : output[..end], 80);
        string shown = string.Join('\n', screen.Lines);

        Assert.True(exit == 130, shown);
        Assert.True(screen.AutoWraps == 0, $"the terminal had to wrap {screen.AutoWraps} times:\n{shown}");
        Assert.True(screen.Lines.All(l => l.Length < 80), shown);
        // Each line of the display is whole on one screen line: the bar line and the counts line.
        Assert.Contains(screen.Lines, l => Regex.IsMatch(l, @"^exec  [█░]+ \d+/12 \(\d+%\)  wave 1/1  elapsed \S+  ETA \S+$"));
        Assert.Contains(screen.Lines, l => Regex.IsMatch(l, @"^succeeded \d+  failed \d+  .*running \d+$"));
        // The interrupt message is a line of its own, not written into (or over) the display.
        Assert.Contains("fanout: interrupted; stopping running targets (Ctrl-C again to force)", screen.Lines);
    }

    [Fact(Timeout = 240000)]
    public async Task Issue12_Item04_TerminalPrompt_NeverApprovesForTheStarter_WhenADistinctApproverIsRequired()
    {
        string after = Path.Combine(_files.Directory, "after-ran");
        string workflow = _files.WriteFile("four-eyes.yaml", $$"""
            name: four-eyes
            approval: {distinct_approver: true}
            steps:
              - {name: build, command: "true"}
              - {name: gate, manual_approval: true}
              - {name: after, command: "touch {{after}}"}
            """);
        using var fanout = TerminalFanout.Start(_files.Directory, 100, "run", workflow, "--yes");

        await fanout.WaitForAsync("Reject it? [y/N]", Limit);
        fanout.Type("n\r"); // do not reject: the step waits for someone else
        string runId = await LatestRunIdAsync();
        var (self, _, selfErr) = await FanoutExe.RunAsync(_files.Directory, "approve", runId, "gate");
        await Task.Delay(1500);
        bool ranBeforeApproval = File.Exists(after) || fanout.Process.HasExited;
        await using (IRunStore store = await StoreFactory.OpenAsync(Path.Combine(_files.Directory, "runs.db"), CancellationToken.None))
        {
            Assert.True(await store.Workflows!.DecideApprovalAsync(runId, "gate", true, "bob@elsewhere", "four eyes", DateTimeOffset.UtcNow, CancellationToken.None));
        }

        int exit = await fanout.WaitExitAsync(Limit);

        Assert.DoesNotContain("Approve step", fanout.Output, StringComparison.Ordinal);
        Assert.Equal(2, self);
        Assert.Contains("distinct approver", selfErr, StringComparison.Ordinal);
        Assert.False(ranBeforeApproval, fanout.Output);
        Assert.True(exit == 0, fanout.Output);
        Assert.True(File.Exists(after));
    }

    private async Task<string> LatestRunIdAsync()
    {
        var (exit, stdout, stderr) = await FanoutExe.RunAsync(_files.Directory, "history", "-o", "json", "-n", "1");
        Assert.True(exit == 0, stderr);
        return JsonDocument.Parse(stdout).RootElement.GetProperty("runs")[0].GetProperty("runId").GetString()!;
    }
}
