using System.Text.Json;

namespace Fanout.Cli.Tests.Commands;

public sealed class ExecCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact(Timeout = 30000)]
    public async Task Exec_AllSucceed_PrintsOutputsSummaryAndExitsZero()
    {
        string inventory = _cli.WriteInventory(3);

        (int exit, string stdout, string stderr) = await _cli.RunAsync("exec", "echo hello from $FANOUT_TARGET", "-i", inventory, "--all", "--yes");

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Equal(string.Empty, stderr);
        Assert.Contains("node-02 | hello from node-02", stdout, StringComparison.Ordinal);
        Assert.Contains("Total 3: 3 succeeded — success rate 100%", stdout, StringComparison.Ordinal);
        Assert.Matches(@"\[1/3\] node-0\d +succeeded  exit=0", stdout);
    }

    [Fact(Timeout = 30000)]
    public async Task Exec_SomeTargetFails_ExitsOneAndReportsError()
    {
        string inventory = _cli.WriteInventory(3);

        (int exit, string stdout, _) = await _cli.RunAsync("exec", "if [ $FANOUT_TARGET = node-02 ]; then echo broken >&2; exit 4; fi", "-i", inventory, "--tag", "env=prod,staging");

        Assert.Equal(ExitCodes.TargetsFailed, exit);
        Assert.Contains("exit code 4: broken", stdout, StringComparison.Ordinal);
        Assert.Contains("2 succeeded, 1 failed", stdout, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task Exec_OutputJson_PrintsX9DocumentOnlyOnStdout()
    {
        string inventory = _cli.WriteInventory(2);

        (int exit, string stdout, string stderr) = await _cli.RunAsync("exec", "echo out; echo err >&2; exit 0", "-i", inventory, "--group", "web", "--output", "json");

        Assert.Equal(ExitCodes.Success, exit);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        JsonElement root = doc.RootElement;
        Assert.Equal(
            ["runId", "operation", "startedAt", "endedAt", "summary", "targets"],
            root.EnumerateObject().Select(p => p.Name).Take(6));
        Assert.Matches(@"^\d{8}-\d{6}-[0-9a-f]{8}$", root.GetProperty("runId").GetString());
        Assert.Equal("exec", root.GetProperty("operation").GetString());
        JsonElement summary = root.GetProperty("summary");
        Assert.Equal(
            ["total", "succeeded", "failed", "timedOut", "cancelled", "notRun", "skipped", "unreachable", "successRate"],
            summary.EnumerateObject().Select(p => p.Name));
        Assert.Equal(2, summary.GetProperty("total").GetInt32());
        Assert.Equal(1.0, summary.GetProperty("successRate").GetDouble());
        JsonElement first = root.GetProperty("targets")[0];
        Assert.Equal(
            ["target", "state", "exitCode", "attempts", "wave", "startedAt", "durationMs", "stdout", "stderr", "error", "stdoutTruncated", "stdoutBytes", "stderrTruncated", "stderrBytes"],
            first.EnumerateObject().Select(p => p.Name)); // the X9 fields in order, then the additions
        Assert.Equal("node-01", first.GetProperty("target").GetString());
        Assert.Equal("succeeded", first.GetProperty("state").GetString());
        Assert.Equal(0, first.GetProperty("exitCode").GetInt32());
        Assert.Equal(1, first.GetProperty("attempts").GetInt32());
        Assert.Equal(1, first.GetProperty("wave").GetInt32());
        Assert.Equal("out\n", first.GetProperty("stdout").GetString());
        Assert.Equal("err\n", first.GetProperty("stderr").GetString());
        Assert.Equal(JsonValueKind.Null, first.GetProperty("error").ValueKind);
        Assert.True(first.GetProperty("durationMs").GetDouble() > 0);
        Assert.Contains("succeeded", stderr, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task Exec_TimedOutTarget_IsReportedAsTimedOut()
    {
        string inventory = _cli.WriteInventory(1);

        (int exit, string stdout, _) = await _cli.RunAsync("exec", "sleep 30", "-i", inventory, "--pattern", "node-*", "--timeout", "300ms", "--output", "json", "--quiet");

        Assert.Equal(ExitCodes.TargetsFailed, exit);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        Assert.Equal("timed-out", doc.RootElement.GetProperty("targets")[0].GetProperty("state").GetString());
        Assert.Equal(1, doc.RootElement.GetProperty("summary").GetProperty("timedOut").GetInt32());
    }

    [Fact(Timeout = 30000)]
    public async Task Exec_OutputCsv_HasHeaderAndOneRowPerTarget()
    {
        string inventory = _cli.WriteInventory(2);

        (int exit, string stdout, _) = await _cli.RunAsync("exec", "printf 'a,\"b\"'", "-i", inventory, "--regex", "^node-0[12]$", "--output", "csv", "--quiet");

        Assert.Equal(ExitCodes.Success, exit);
        // RFC 4180 records end in CRLF, as in `fanout export` and the API's CSV (one writer).
        string[] lines = stdout.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("target,state,exitCode,attempts,wave,startedAt,durationMs,stdout,stderr,error", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("node-01,succeeded,0,1,1,", lines[1], StringComparison.Ordinal);
        Assert.EndsWith(",\"a,\"\"b\"\"\",,", lines[1], StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task Exec_OutputDir_WritesStdoutAndStderrPerTarget()
    {
        string inventory = _cli.WriteInventory(2);
        string dir = Path.Combine(_cli.Directory, "out");

        (int exit, _, _) = await _cli.RunAsync("exec", "echo o-$FANOUT_TARGET; echo e-$FANOUT_TARGET >&2", "-i", inventory, "--group", "web", "--output-dir", dir, "--quiet");

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Equal("o-node-01\n", File.ReadAllText(Path.Combine(dir, "node-01.stdout")));
        Assert.Equal("e-node-02\n", File.ReadAllText(Path.Combine(dir, "node-02.stderr")));
    }

    [Fact(Timeout = 30000)]
    public async Task Exec_EmptySelection_SaysSoAndExitsZero()
    {
        string inventory = _cli.WriteInventory(2);

        (int exit, string stdout, _) = await _cli.RunAsync("exec", $"touch {_cli.Marker}", "-i", inventory, "--pattern", "nothing-*");

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Contains("No targets matched", stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(_cli.Marker));
    }

    [Fact(Timeout = 30000)]
    public async Task Exec_InventoryFromEnvironment_IsUsed()
    {
        _cli.Environment["FANOUT_INVENTORY"] = _cli.WriteInventory(1);

        (int exit, string stdout, _) = await _cli.RunAsync("exec", "echo env-inventory", "--pattern", "node-01");

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Contains("node-01 | env-inventory", stdout, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task Exec_AllWithoutYesOnTerminal_AsksAndRunsWhenConfirmed()
    {
        string inventory = _cli.WriteInventory(2);
        var console = new TestConsoleOutput { IsInteractive = true };
        console.Answer("y");

        (int exit, _, _) = await _cli.RunAsync(console, "exec", $"touch {_cli.Marker}", "-i", inventory, "--all");

        Assert.Equal(ExitCodes.Success, exit);
        // Issue 10 item 5: the question names the command it will run.
        Assert.Equal($"Run exec 'touch {_cli.Marker}' on 2 targets? [y/N] ", Assert.Single(console.Questions));
        Assert.True(File.Exists(_cli.Marker));
    }

    [Fact(Timeout = 30000)]
    public async Task Exec_AllWithoutYesOnTerminal_DeclinedRunsNothing()
    {
        string inventory = _cli.WriteInventory(2);
        var console = new TestConsoleOutput { IsInteractive = true };
        console.Answer("n");

        (int exit, _, _) = await _cli.RunAsync(console, "exec", $"touch {_cli.Marker}", "-i", inventory, "--all");

        Assert.Equal(ExitCodes.UsageError, exit);
        Assert.False(File.Exists(_cli.Marker));
    }

    [Fact(Timeout = 30000)]
    public async Task Script_UploadsRunsWithArgumentsAndRemovesIt()
    {
        string inventory = _cli.WriteInventory(2);
        string script = _cli.WriteFile("hello.sh", "#!/bin/sh\necho \"$FANOUT_TARGET says $1 $2 from $0\"\n");

        (int exit, string stdout, _) = await _cli.RunAsync("script", script, "-i", inventory, "--group", "web", "--output", "json", "--", "one", "--two");

        Assert.Equal(ExitCodes.Success, exit);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        string output = doc.RootElement.GetProperty("targets")[0].GetProperty("stdout").GetString()!;
        Assert.StartsWith("node-01 says one --two from /tmp/fanout-", output, StringComparison.Ordinal);
        string uploaded = output.Trim().Split(" from ")[1];
        Assert.False(File.Exists(uploaded), "the uploaded script must be removed");
    }

    [Fact(Timeout = 30000)]
    public async Task ExecScriptOption_RunsScriptWithoutShebangThroughSh()
    {
        string inventory = _cli.WriteInventory(1);
        string script = _cli.WriteFile("plain.sh", "echo plain $1\n");

        (int exit, string stdout, _) = await _cli.RunAsync("exec", "--script", script, "arg", "-i", inventory, "--pattern", "node-01");

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Contains("node-01 | plain arg", stdout, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task Exec_TwoThousandTargets_AllSucceed()
    {
        string inventory = _cli.WriteInventory(2000);

        (int exit, string stdout, _) = await _cli.RunAsync("exec", "/bin/true", "-i", inventory, "--all", "--yes", "--parallel", "32", "--quiet");

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Contains("Total 2000: 2000 succeeded", stdout, StringComparison.Ordinal);
    }
}
