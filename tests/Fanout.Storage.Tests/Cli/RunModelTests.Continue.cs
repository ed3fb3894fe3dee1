using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Fanout.Runs;

namespace Fanout.Storage.Tests.Cli;

/// <summary>
/// Issue 9 item 2: <c>kill -9</c> then resume, and retry of failed targets, for every kind of run through the CLI
/// (<c>fanout resume</c>, <c>fanout retry</c>) and the API of a real <c>fanout serve</c> (<c>POST /api/runs/{id}/resume</c>,
/// <c>/retry</c>). Completed targets are never run again.
/// </summary>
public sealed partial class RunModelTests
{
    private static readonly string[] Targets = ["t001", "t002", "t003"];

    public static TheoryData<string, string> ResumeCases()
    {
        var data = new TheoryData<string, string>();
        foreach (string kind in new[] { "exec", "script", "sync", "lifecycle" })
        {
            data.Add(kind, "cli");
            data.Add(kind, "api");
        }

        data.Add("workflow", "cli");
        data.Add("workflow", "api");
        return data;
    }

    public static TheoryData<string, string> RetryCases()
    {
        var data = new TheoryData<string, string>();
        foreach (string kind in new[] { "exec", "script", "sync", "lifecycle", "workflow" })
        {
            data.Add(kind, "cli");
            data.Add(kind, "api");
        }

        return data;
    }

    /// <summary>
    /// The owner is killed with SIGKILL while t001 has completed and t002, t003 are still running (sync: still connecting);
    /// the resume runs t002 and t003 only, and the run ends succeeded.
    /// </summary>
    [Theory(Timeout = 240000)]
    [MemberData(nameof(ResumeCases))]
    public async Task Resume_AfterKill9_RunsOnlyWhatDidNotComplete(string kind, string surface)
    {
        string token = surface == "api" ? await ServeProcess.CreateTokenAsync(_dir, _store) : string.Empty;
        using TcpListener? hang = kind == "sync" ? Hang() : null;
        string[] args = kind == "sync" ? SyncRun(SyncInventory(((IPEndPoint)hang!.LocalEndpoint).Port, ["t002", "t003"]), hanging: true) : SlowRun(kind);
        string runId;
        Process owner = StartWithEnvironment(args);
        using (owner)
        {
            Task<string> ownerErr = owner.StandardError.ReadToEndAsync();
            _ = owner.StandardOutput.ReadToEndAsync();
            try
            {
                runId = await WaitForRunningAsync(owner);
                await WaitUntilAsync(() => kind == "sync" ? File.Exists(SyncedFile) : Count("t001") == 1, owner, ownerErr);
                if (kind != "workflow")
                {
                    await WaitForSucceededAsync(runId, "t001");
                }


                await Task.Delay(1500); // t002 and t003 are started (sleeping, or connecting); t001's end is recorded
                if (owner.HasExited)
                {
                    Assert.Fail($"the run ended before the kill: {await ownerErr}");
                }
            }
            finally
            {
                await Kill9Async(owner); // SIGKILL, then its children: nothing is recorded any more
            }
        }

        File.Delete(Mark);
        if (kind == "sync")
        {
            SyncInventory(0, []); // the targets that hung are reachable now (a resume reads the current inventory)
        }

        await using (ServeProcess? serve = surface == "api" ? await ServeProcess.StartAsync(_dir, _store, token, "-i", _inventory) : null)
        {
            if (serve is null)
            {
                FanoutProcess.Result resume = await Fanout(["resume", runId, "--yes", "-q"]);
                Assert.True(resume.ExitCode == 0, $"exit {resume.ExitCode}: {resume.Stdout}\n{resume.Stderr}");
            }
            else
            {
                // confirm=true is the CLI's --yes: the fan-out step that was running at the kill runs again (its completed targets do not).
                using HttpResponseMessage response = await serve.Client.PostAsync(new Uri($"/api/runs/{runId}/resume{(kind == "workflow" ? "?confirm=true" : string.Empty)}", UriKind.Relative), null);
                Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                await WaitForEndAsync(runId);
            }
        }

        RunRecord run = await RunRecordAsync(runId);
        Assert.Equal(RunStatus.Succeeded, run.Status);
        if (kind == "sync")
        {
            Assert.Equal("payload", File.ReadAllText(SyncedFile));
            await AssertSyncAttemptsAsync(runId, completedBefore: "t001");
        }
        else
        {
            // Every target ran to its end exactly once: t001 before the kill, t002 and t003 in the resume.
            Assert.All(Targets, t => Assert.True(Count(t) == 1, $"{t} ran {Count(t)} times: {string.Join(" | ", LogLines())}"));
        }
    }

    /// <summary>
    /// t002 fails (sync: cannot connect); the retry is a new run linked to the first that runs t002 only and succeeds. For a workflow the
    /// retry runs again what did not succeed — the fan-out step, on its failed target only — and takes over what did.
    /// </summary>
    [Theory(Timeout = 240000)]
    [MemberData(nameof(RetryCases))]
    public async Task Retry_OfFailedTargets_RunsOnlyThemAsANewLinkedRun(string kind, string surface)
    {
        string token = surface == "api" ? await ServeProcess.CreateTokenAsync(_dir, _store) : string.Empty;
        string[] args;
        if (kind == "sync")
        {
            args = SyncRun(SyncInventory(Closed(), ["t002"]));
        }
        else
        {
            File.WriteAllText(Path.Combine(_dir, "block-t002"), string.Empty);
            args = RunOf(kind);
        }

        FanoutProcess.Result first = await Fanout([.. args]);
        Assert.True(first.ExitCode == 1, $"exit {first.ExitCode}: {first.Stdout}\n{first.Stderr}");
        string firstId = await LatestRunIdAsync();
        File.Delete(Path.Combine(_dir, "block-t002"));
        if (kind == "sync")
        {
            SyncInventory(0, []);
            File.Delete(SyncedFile);
        }

        string retryId;
        await using (ServeProcess? serve = surface == "api" ? await ServeProcess.StartAsync(_dir, _store, token, "-i", _inventory) : null)
        {
            if (serve is null)
            {
                FanoutProcess.Result retry = await Fanout(["retry", firstId, "--failed", "-q", "-o", "json"]);
                Assert.True(retry.ExitCode == 0, $"exit {retry.ExitCode}: {retry.Stdout}\n{retry.Stderr}");
                retryId = await LatestRunIdAsync();
            }
            else
            {
                using HttpResponseMessage response = await serve.Client.PostAsync(new Uri($"/api/runs/{firstId}/retry?select=failed", UriKind.Relative), null);
                string body = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.Created, $"{response.StatusCode}: {body}");
                retryId = JsonDocument.Parse(body).RootElement.GetProperty("batchId").GetString()!;
                await WaitForEndAsync(retryId);
            }
        }

        Assert.NotEqual(firstId, retryId);
        RunRecord run = await RunRecordAsync(retryId);
        Assert.Equal(RunStatus.Succeeded, run.Status);
        Assert.Equal(firstId, run.ParentRunId);
        Assert.Equal(kind, run.Kind is "start" or "stop" or "restart" or "status" ? "lifecycle" : run.Kind);
        if (kind == "sync")
        {
            Assert.Equal("payload", File.ReadAllText(SyncedFile));
        }
        else
        {
            Assert.All(Targets, t => Assert.True(Count(t) == 1, $"{t} ran {Count(t)} times: {string.Join(" | ", LogLines())}"));
        }

        // The retry ran only what failed: for a workflow the failed target of the fan-out step (units are STEP/TARGET); what succeeded
        // in the first run is taken over (counted in the retry's totals, not run).
        await using IRunStore store = await StoreFactory.OpenAsync(_store, CancellationToken.None);
        IReadOnlyList<TargetAttemptRecord> attempts = await store.GetAttemptsAsync(retryId, new AttemptQuery { LatestOnly = true }, CancellationToken.None);
        Assert.Equal([kind == "workflow" ? "fan/t002" : "t002"], attempts.Where(a => a.Attempt > 0).Select(a => a.Target).ToArray());
        if (kind == "workflow")
        {
            Assert.Equal((3, 3), (run.Counts.Total, run.Counts.Succeeded));
            Assert.Equal(RunDefinition.CurrentVersion, RunDefinition.FromJson(run.Operation!).Version);
        }
    }

    /// <summary>SIGKILL to <paramref name="owner"/> first (it records nothing more), then to every process it had started, by pid.</summary>
    private static async Task Kill9Async(Process owner)
    {
        List<int> descendants = Descendants(owner.Id);
        await SendKill9Async(owner.Id);
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while (StatOf(owner.Id) is { } stat && !stat.Contains(") Z ", StringComparison.Ordinal))
            {
                await Task.Delay(50, deadline.Token);
            }
        }

        foreach (int pid in descendants)
        {
            await SendKill9Async(pid);
        }

        await owner.WaitForExitAsync();
    }

    /// <summary>The process's <c>/proc/PID/stat</c> line, or null once it is gone (reaped between a check and the read, too).</summary>
    private static string? StatOf(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static async Task SendKill9Async(int pid)
    {
        using Process kill = Process.Start("kill", ["-9", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    private static List<int> Descendants(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out int pid))
            {
                try
                {
                    string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    parents[pid] = int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
                }
                catch (IOException)
                {
                    // exited meanwhile
                }
            }
        }

        var found = new List<int>();
        var queue = new Queue<int>([root]);
        while (queue.TryDequeue(out int parent))
        {
            foreach (int child in parents.Where(kv => kv.Value == parent).Select(kv => kv.Key))
            {
                found.Add(child);
                queue.Enqueue(child);
            }
        }

        return found;
    }

    /// <summary>
    /// Issue 10 item 14: <c>exec --stdin</c> feeds standard input to every target; <c>retry</c> of such a run needs <c>--stdin</c>
    /// again (the input is not stored), and <c>retry --timeout 10m -p 5 --output-dir D --stdin</c> honours every option and
    /// records the overrides in the new run's definition. An option that makes no sense for the kind is exit 2 naming it.
    /// </summary>
    [Fact(Timeout = 240000)]
    public async Task Retry_WithOptionOverrides_HonoursAndRecordsThem_StdinFedToEveryTarget()
    {
        File.WriteAllText(Path.Combine(_dir, "block-t002"), string.Empty);
        string command = $"test ! -f {_dir}/block-$FANOUT_TARGET || exit 3; cat > {_dir}/in-$FANOUT_TARGET; echo done $FANOUT_TARGET";
        (int exit, _, string err) = await RunWithInputAsync(["exec", command, "--stdin", "-i", _inventory, "--all", "--yes", "-q"], "hello\nworld\n");
        Assert.True(exit == 1, err);
        Assert.Equal("hello\nworld\n", File.ReadAllText(Path.Combine(_dir, "in-t001")));
        Assert.Equal("hello\nworld\n", File.ReadAllText(Path.Combine(_dir, "in-t003")));
        string firstId = await LatestRunIdAsync();
        File.Delete(Path.Combine(_dir, "block-t002"));

        FanoutProcess.Result without = await Fanout("retry", firstId, "--failed");
        Assert.Equal(2, without.ExitCode);
        Assert.Contains("--stdin", without.Stderr, StringComparison.Ordinal);

        string outputDir = Path.Combine(_dir, "out");
        (exit, _, err) = await RunWithInputAsync(["retry", firstId, "--failed", "--timeout", "10m", "-p", "5", "--output-dir", outputDir, "--stdin", "-q"], "again\n");
        Assert.True(exit == 0, err);
        Assert.Equal("again\n", File.ReadAllText(Path.Combine(_dir, "in-t002")));
        Assert.Equal("done t002\n", File.ReadAllText(Path.Combine(outputDir, "t002.stdout")));
        RunRecord retry = await RunRecordAsync(await LatestRunIdAsync());
        Assert.Equal(firstId, retry.ParentRunId);
        RunDefinition recorded = RunDefinition.FromJson(retry.Operation!);
        Assert.Equal(5, recorded.Options.Parallel);
        Assert.Equal(600_000, recorded.Options.TimeoutMs);
        Assert.True(recorded.Stdin);

        // A lifecycle run has no standard input to feed: --stdin is refused, naming it, and nothing runs.
        int lines = LogLines().Length;
        File.WriteAllText(Path.Combine(_dir, "block-t002"), string.Empty);
        FanoutProcess.Result lifecycle = await Fanout("status", "-i", _inventory, "--all", "-q");
        Assert.True(lifecycle.ExitCode == 1, lifecycle.Stderr);
        string statusId = await LatestRunIdAsync();
        (exit, _, err) = await RunWithInputAsync(["retry", statusId, "--all-unsuccessful", "--stdin"], "x");
        Assert.Equal(2, exit);
        Assert.Contains("--stdin", err, StringComparison.Ordinal);
        Assert.Equal(lines + 2, LogLines().Length);
    }

    private async Task<(int ExitCode, string Stdout, string Stderr)> RunWithInputAsync(string[] args, string input)
    {
        using Process p = StartWithEnvironment(args, input);
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await p.WaitForExitAsync(deadline.Token);
        return (p.ExitCode, await stdout, await stderr);
    }

    private string SyncedFile => Path.Combine(_dir, "synced", "payload.txt");

    /// <summary>A sync of payload.txt; with <paramref name="hanging"/> SSH targets get a password (from FANOUT_TEST_PASSWORD) so they try to connect and hang.</summary>
    private string[] SyncRun(string inventory, bool hanging = false) =>
        ["sync", Write("payload.txt", "payload"), SyncedFile, "-i", inventory, "--all", "--yes", "-q", "--connect-timeout", "150s", .. hanging ? new[] { "--password-env", "FANOUT_TEST_PASSWORD" } : []];

    /// <summary>Writes sync-inventory.yaml: three targets, local except <paramref name="remote"/>, which connect over SSH to <paramref name="port"/>'s port.</summary>
    private string SyncInventory(int p, IReadOnlyList<string> remote)
    {
        return Write("sync-inventory.yaml", "targets:\n" + string.Concat(Targets.Select(t => remote.Contains(t)
            ? $"  {t}: {{host: 127.0.0.1, port: {p}, transport: ssh}}\n"
            : $"  {t}: {{transport: local}}\n")));
    }

    /// <summary>A listener that accepts connections and never answers: an SSH connection to it hangs until its timeout.</summary>
    private static TcpListener Hang()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return listener;
    }

    /// <summary>A port nobody listens on (connection refused).</summary>
    private static int Closed()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private int Count(string target) => LogLines().Count(l => l.EndsWith(" " + target, StringComparison.Ordinal));

    private async Task WaitUntilAsync(Func<bool> condition, Process owner, Task<string> ownerErr)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (!condition())
        {
            if (owner.HasExited)
            {
                Assert.Fail($"the run ended early (exit {owner.ExitCode}): {await ownerErr}");
            }

            await Task.Delay(100, deadline.Token);
        }
    }

    private async Task WaitForEndAsync(string runId)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        while (true)
        {
            await using (IRunStore s = await StoreFactory.OpenAsync(_store, CancellationToken.None))
            {
                if (await s.GetRunAsync(runId, CancellationToken.None) is { Status: not (RunStatus.Running or RunStatus.AwaitingApproval) } run && run.EndedAt is not null)
                {
                    return;
                }
            }

            await Task.Delay(250, deadline.Token);
        }
    }

    private async Task WaitForSucceededAsync(string runId, string target)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            await using (IRunStore s = await StoreFactory.OpenAsync(_store, CancellationToken.None))
            {
                IReadOnlyList<TargetAttemptRecord> latest = await s.GetAttemptsAsync(runId, new AttemptQuery { Target = target, LatestOnly = true }, CancellationToken.None);
                if (latest.Any(a => a.State == AttemptState.Succeeded))
                {
                    return;
                }
            }

            await Task.Delay(100, deadline.Token);
        }
    }

    private async Task<string> LatestRunIdAsync()
    {
        FanoutProcess.Result history = await Fanout("history", "-o", "json", "--limit", "1");
        return JsonDocument.Parse(history.Stdout).RootElement.GetProperty("runs")[0].GetProperty("runId").GetString()!;
    }

    /// <summary>t001 completed before the kill and has no later attempt; the others succeeded in the resume.</summary>
    private async Task AssertSyncAttemptsAsync(string runId, string completedBefore)
    {
        await using IRunStore store = await StoreFactory.OpenAsync(_store, CancellationToken.None);
        IReadOnlyList<TargetAttemptRecord> attempts = await store.GetAttemptsAsync(runId, null, CancellationToken.None);
        Assert.Equal([1], attempts.Where(a => a.Target == completedBefore && a.Attempt > 0).Select(a => a.Attempt).ToArray());
        Assert.All(Targets, t => Assert.Equal(AttemptState.Succeeded, attempts.Last(a => a.Target == t).State));
    }
}
