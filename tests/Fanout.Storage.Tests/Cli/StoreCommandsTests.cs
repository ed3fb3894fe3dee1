using System.Diagnostics;
using System.Text.Json;

namespace Fanout.Storage.Tests.Cli;

/// <summary>history, show, export, logs, cleanup, retry and schedule commands, through the real fanout executable.</summary>
public sealed class StoreCommandsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-cmds-").FullName;
    private readonly string _store;
    private readonly string _inventory;

    public StoreCommandsTests()
    {
        _store = Path.Combine(_dir, "store.db");
        _inventory = FanoutProcess.WriteInventory(_dir, 3);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Task<FanoutProcess.Result> Fanout(params string[] args) => FanoutProcess.RunAsync(_dir, [.. args, "--store", _store]);

    private async Task<string> ExecAsync(string command, int expectedExit)
    {
        FanoutProcess.Result r = await Fanout("exec", command, "-i", _inventory, "--all", "--yes", "-q", "-o", "json");
        Assert.True(r.ExitCode == expectedExit, $"exec exited {r.ExitCode}: {r.Stderr}");
        return JsonDocument.Parse(r.Stdout).RootElement.GetProperty("runId").GetString()!;
    }

    private async Task<JsonElement> HistoryAsync(params string[] args)
    {
        FanoutProcess.Result r = await Fanout(["history", "-o", "json", .. args]);
        Assert.Equal(0, r.ExitCode);
        return JsonDocument.Parse(r.Stdout).RootElement.GetProperty("runs");
    }

    [Fact(Timeout = 120000)]
    public async Task History_Json_H2ShapeNewestFirst_FiltersByStatus()
    {
        string ok = await ExecAsync("true", 0);
        string bad = await ExecAsync("test $FANOUT_TARGET != t001", 1);

        JsonElement runs = await HistoryAsync();
        JsonElement failed = await HistoryAsync("--status", "failed");
        FanoutProcess.Result badStatus = await Fanout("history", "--status", "exploded");

        Assert.Equal([bad, ok], runs.EnumerateArray().Select(r => r.GetProperty("runId").GetString()));
        JsonElement first = runs[0];
        foreach (string key in new[] { "runId", "kind", "name", "status", "startedAt", "endedAt", "total", "succeeded", "failed" })
        {
            Assert.True(first.TryGetProperty(key, out _), $"history json lacks '{key}'");
        }

        Assert.Equal(("exec", "failed", 3, 2, 1), (first.GetProperty("kind").GetString(), first.GetProperty("status").GetString(),
            first.GetProperty("total").GetInt32(), first.GetProperty("succeeded").GetInt32(), first.GetProperty("failed").GetInt32()));
        Assert.Equal(bad, Assert.Single(failed.EnumerateArray()).GetProperty("runId").GetString());
        Assert.Equal(2, badStatus.ExitCode);
        Assert.Contains("--status 'exploded'", badStatus.Stderr, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task ShowExportLogs_ReadTheStoredRun_LongOutputFromLogFile_CleanupDeletesIt()
    {
        string id = await ExecAsync("if [ $FANOUT_TARGET = t002 ]; then head -c 70000 /dev/zero | tr '\\0' x; else echo hello $FANOUT_TARGET; fi", 0);

        FanoutProcess.Result show = await Fanout("show", id);
        FanoutProcess.Result json = await Fanout("export", id, "--format", "json");
        FanoutProcess.Result csv = await Fanout("export", id, "--format", "csv");
        FanoutProcess.Result logs = await Fanout("logs", id, "--target", "t001");
        FanoutProcess.Result longLog = await Fanout("logs", id, "--target", "t002");

        Assert.Equal(0, show.ExitCode);
        Assert.Contains("Status     succeeded", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("t002", show.Stdout, StringComparison.Ordinal);
        JsonElement doc = JsonDocument.Parse(json.Stdout).RootElement;
        Assert.Equal(id, doc.GetProperty("runId").GetString());
        Assert.Equal(3, doc.GetProperty("summary").GetProperty("succeeded").GetInt32());
        JsonElement t1 = doc.GetProperty("targets").EnumerateArray().Single(t => t.GetProperty("target").GetString() == "t001");
        Assert.Equal(("succeeded", 0, 1, "hello t001\n"), (t1.GetProperty("state").GetString(), t1.GetProperty("exitCode").GetInt32(), t1.GetProperty("attempts").GetInt32(), t1.GetProperty("stdout").GetString()));
        Assert.StartsWith("target,state,exitCode,attempts,wave,startedAt,durationMs,stdout,stderr,error", csv.Stdout, StringComparison.Ordinal);
        Assert.Contains("==> t001 (attempt 1, succeeded, exit 0) <==\nhello t001\n", logs.Stdout, StringComparison.Ordinal);
        Assert.Equal(70000, longLog.Stdout.Split('\n')[1].Count(c => c == 'x'));
        string[] logFiles = Directory.GetFiles(Path.Combine(_dir, "store-logs"), "*", SearchOption.AllDirectories);
        Assert.Single(logFiles);

        FanoutProcess.Result cleanup = await Fanout("cleanup", "--older-than", "0s");

        Assert.Equal(0, cleanup.ExitCode);
        Assert.Contains("Deleted 1 runs and 1 log files.", cleanup.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(logFiles[0]));
        Assert.Equal(2, (await Fanout("show", id)).ExitCode);
    }

    [Fact(Timeout = 120000)]
    public async Task Cleanup_KeepLast_KeepsNewest()
    {
        await ExecAsync("true", 0);
        await ExecAsync("true", 0);
        string newest = await ExecAsync("true", 0);

        FanoutProcess.Result cleanup = await Fanout("cleanup", "--older-than", "0s", "--keep-last", "1");

        Assert.Contains("Deleted 2 runs", cleanup.Stdout, StringComparison.Ordinal);
        Assert.Equal(newest, Assert.Single((await HistoryAsync()).EnumerateArray()).GetProperty("runId").GetString());
        Assert.Equal(2, (await Fanout("cleanup", "--older-than", "soon")).ExitCode);
    }

    [Fact(Timeout = 120000)]
    public async Task Retry_Failed_RunsExactlyThoseTargetsAsNewRunLinkedToTheOld()
    {
        string marks = Path.Combine(_dir, "marks.txt");
        string first = await ExecAsync($"echo $FANOUT_TARGET >> {marks}; test $FANOUT_TARGET != t001", 1);

        FanoutProcess.Result retry = await Fanout("retry", first, "--failed", "-q", "-o", "json");

        Assert.Equal(1, retry.ExitCode); // t001 fails again
        JsonElement doc = JsonDocument.Parse(retry.Stdout).RootElement;
        Assert.Equal(["t001"], doc.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("target").GetString()));
        Assert.Equal(["t000", "t001", "t002", "t001"], File.ReadAllLines(marks).Take(3).Order().Append(File.ReadAllLines(marks)[3]));
        JsonElement newest = (await HistoryAsync())[0];
        Assert.Equal(doc.GetProperty("runId").GetString(), newest.GetProperty("runId").GetString());
        Assert.Equal(first, newest.GetProperty("parentRunId").GetString());
        Assert.Equal(2, (await Fanout("retry", first, "--failed", "--not-run")).ExitCode);
        Assert.Equal(2, (await Fanout("retry", "no-such-run")).ExitCode);
    }

    [Fact(Timeout = 120000)]
    public async Task Schedule_AddListCancel_InvalidCronIsExit2()
    {
        string workflow = Path.Combine(_dir, "deploy.yaml");
        await File.WriteAllTextAsync(workflow, "name: deploy\nsteps: []\n");

        FanoutProcess.Result invalid = await Fanout("schedule", "add", "--exec", "true", "-i", _inventory, "--all", "--cron", "0 25 * * *");
        FanoutProcess.Result missing = await Fanout("schedule", "add", "nope.yaml", "--cron", "0 2 * * *");
        FanoutProcess.Result wf = await Fanout("schedule", "add", workflow, "--cron", "0 2 * * *", "-e", "prod", "--set", "version=1.2", "--tz", "Europe/Berlin");
        FanoutProcess.Result exec = await Fanout("schedule", "add", "--exec", "uptime", "-i", _inventory, "--tag", "role=web", "--cron", "*/5 * * * *", "--name", "up");
        FanoutProcess.Result duplicate = await Fanout("schedule", "add", "--exec", "uptime", "-i", _inventory, "--all", "--cron", "* * * * *", "--name", "up");
        FanoutProcess.Result list = await Fanout("schedule", "list", "-o", "json");
        FanoutProcess.Result cancel = await Fanout("schedule", "cancel", "up");
        FanoutProcess.Result cancelAgain = await Fanout("schedule", "cancel", "up");

        Assert.Equal(2, invalid.ExitCode);
        Assert.Contains("invalid cron expression '0 25 * * *'", invalid.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("does not exist", missing.Stderr, StringComparison.Ordinal);
        Assert.True(wf.ExitCode == 0, wf.Stderr);
        Assert.Contains("Schedule 'deploy-prod-daily' added", wf.Stdout, StringComparison.Ordinal);
        Assert.True(exec.ExitCode == 0, exec.Stderr);
        Assert.Equal(2, duplicate.ExitCode);
        JsonElement schedules = JsonDocument.Parse(list.Stdout).RootElement.GetProperty("schedules");
        Assert.Equal(["deploy-prod-daily", "up"], schedules.EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        DateTimeOffset next = schedules[0].GetProperty("nextFireAt").GetDateTimeOffset();
        Assert.Equal(1, next.UtcDateTime.Hour); // 02:00 in Berlin is 01:00 UTC in winter
        Assert.Equal(0, cancel.ExitCode);
        Assert.Equal(2, cancelAgain.ExitCode);
    }

    [Fact(Timeout = 120000)]
    public async Task Serve_FiresSecondsSchedule_RunAppearsInHistory_StopsOnSigterm()
    {
        string marks = Path.Combine(_dir, "served.txt");
        FanoutProcess.Result add = await Fanout("schedule", "add", "--exec", $"echo $FANOUT_TARGET >> {marks}", "-i", _inventory, "--all", "--cron", "*/1 * * * * *", "--name", "tick");
        Assert.True(add.ExitCode == 0, add.Stderr);

        (JsonElement run, int exitCode, string stdout, string stderr) = await ServeUntilSucceededRunAsync();

        Assert.True(exitCode == 0, $"serve exited {exitCode}: {stderr}");
        Assert.Contains("fanout serve: stopped", stdout, StringComparison.Ordinal);
        Assert.Equal(3, run.GetProperty("succeeded").GetInt32());
        FanoutProcess.Result show = await Fanout("show", run.GetProperty("runId").GetString()!);
        Assert.Contains("Actor      schedule:tick", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("t000", File.ReadAllText(marks), StringComparison.Ordinal);
        JsonElement schedule = JsonDocument.Parse((await Fanout("schedule", "list", "-o", "json")).Stdout).RootElement.GetProperty("schedules")[0];
        Assert.NotEqual(JsonValueKind.Null, schedule.GetProperty("lastFireAt").ValueKind);
    }

    [Fact(Timeout = 120000)]
    public async Task Serve_FiresWorkflowSchedule_RunsThroughTheEngine()
    {
        string marks = Path.Combine(_dir, "wf-served.txt");
        string workflow = Path.Combine(_dir, "tick.yaml");
        File.WriteAllText(workflow, $$$"""
            name: tick
            steps:
              - name: mark
                command: echo {{ .greeting }} >> {{{marks}}}
            """);
        FanoutProcess.Result add = await Fanout("schedule", "add", workflow, "--set", "greeting=hello", "--cron", "*/1 * * * * *", "--name", "wf-tick");
        Assert.True(add.ExitCode == 0, add.Stderr);

        (JsonElement run, int exitCode, string _, string stderr) = await ServeUntilSucceededRunAsync();

        Assert.True(exitCode == 0, $"serve exited {exitCode}: {stderr}");
        Assert.Equal("workflow", run.GetProperty("kind").GetString());
        Assert.Equal("tick", run.GetProperty("name").GetString());
        Assert.Contains("hello", File.ReadAllText(marks), StringComparison.Ordinal);
    }

    /// <summary>Starts <c>fanout serve</c>, waits (at most 60 s) for a succeeded run in history, then stops it with SIGTERM.</summary>
    private async Task<(JsonElement Run, int ExitCode, string Stdout, string Stderr)> ServeUntilSucceededRunAsync()
    {
        using Process serve = FanoutProcess.Start(_dir, "serve", "--store", _store, "--poll-interval", "200ms", "--urls", "http://127.0.0.1:0");
        serve.StandardInput.Close();
        Task<string> stdout = serve.StandardOutput.ReadToEndAsync();
        Task<string> stderr = serve.StandardError.ReadToEndAsync();
        JsonElement run = default;
        try
        {
            using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            {
                while (true)
                {
                    JsonElement runs = await HistoryAsync("--status", "succeeded");
                    if (runs.GetArrayLength() > 0)
                    {
                        run = runs[0];
                        break;
                    }

                    if (serve.HasExited)
                    {
                        Assert.Fail($"serve exited early: {await stderr}");
                    }

                    await Task.Delay(100, deadline.Token);
                }
            }

            using (Process kill = Process.Start("kill", ["-TERM", serve.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            {
                await serve.WaitForExitAsync(deadline.Token);
            }
        }
        finally
        {
            if (!serve.HasExited)
            {
                serve.Kill(entireProcessTree: true); // never leave a server behind, even when the test fails
            }
        }

        return (run, serve.ExitCode, await stdout, await stderr);
    }
}
