using System.Diagnostics;
using System.Text.Json;
using Fanout.Runs;
using Fanout.Storage.Tests.Cli;

namespace Fanout.Storage.Tests.Cluster;

/// <summary>
/// Runs started by the CLI on the cluster's workers (<c>--on-workers</c>, docs/scale-out.md "Runs from the CLI"): the real
/// <c>fanout exec</c>, <c>retry</c> and <c>resume</c> executables against real workers over a real PostgreSQL.
/// </summary>
public sealed partial class ClusterTests
{
    [Fact(Timeout = 300000)]
    public async Task CliExec_OnWorkers_RunsEveryTargetOnTheWorkers_HonoursWorkerLabels_AndRetriesThere()
    {
        string store = await postgres.CreateDatabaseAsync();
        string inventory = FanoutProcess.WriteInventory(_dir, 16);
        await using WorkerProcess a = await WorkerProcess.StartAsync(_dir, store, "wa", "--labels", "zone=a");
        await using WorkerProcess b = await WorkerProcess.StartAsync(_dir, store, "wb", "--labels", "zone=b");
        await WaitForSilosAsync(store, 2);
        await using IRunStore runs = await StoreFactory.OpenAsync(store, CancellationToken.None);

        // Every target runs on a worker (FANOUT_TEST_WORKER is only in the workers' environment), and both take a share.
        FanoutProcess.Result any = await FanoutProcess.RunAsync(_dir, "exec", "--store", store, "-i", inventory, "--all", "--yes", "-p", "8", "-o", "json",
            "--on-workers", "--failure-detection", FailureDetection, "echo ran-on-$FANOUT_TEST_WORKER; sleep 0.2");
        Assert.True(any.ExitCode == 0, any.Stderr);
        Assert.Contains("running the targets on the workers of cluster 'fanout'", any.Stderr, StringComparison.Ordinal);
        JsonElement doc = JsonDocument.Parse(any.Stdout).RootElement;
        var byWorker = doc.GetProperty("targets").EnumerateArray().GroupBy(t => t.GetProperty("stdout").GetString()!.Trim()).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(["ran-on-wa", "ran-on-wb"], byWorker.Keys.Order());
        IReadOnlyList<TargetAttemptRecord> recorded = await runs.GetAttemptsAsync(doc.GetProperty("runId").GetString()!, null, CancellationToken.None);
        Assert.Equal(16, recorded.Count(r => r.State == AttemptState.Succeeded && r.Stdout!.StartsWith("ran-on-w", StringComparison.Ordinal)));

        // --worker-labels: only the worker with zone=b; the labels are recorded with the run.
        FanoutProcess.Result labelled = await FanoutProcess.RunAsync(_dir, "exec", "--store", store, "-i", inventory, "--all", "--yes", "-p", "8", "-o", "json",
            "--worker-labels", "zone=b", "echo ran-on-$FANOUT_TEST_WORKER; exit 3");
        Assert.True(labelled.ExitCode == 1, labelled.Stderr);
        doc = JsonDocument.Parse(labelled.Stdout).RootElement;
        string labelledRun = doc.GetProperty("runId").GetString()!;
        Assert.All(doc.GetProperty("targets").EnumerateArray(), t => Assert.Equal("ran-on-wb", t.GetProperty("stdout").GetString()!.Trim()));
        Assert.Equal("b", RunDefinition.FromJson((await runs.GetRunAsync(labelledRun, CancellationToken.None))!.Operation!).WorkerLabels!["zone"]);

        // Its retry keeps the recorded labels: refused in this process, run on the zone=b worker with --on-workers.
        FanoutProcess.Result local = await FanoutProcess.RunAsync(_dir, "retry", labelledRun, "--store", store);
        Assert.Equal(2, local.ExitCode);
        Assert.Contains("retry it with --on-workers", local.Stderr, StringComparison.Ordinal);
        FanoutProcess.Result retried = await FanoutProcess.RunAsync(_dir, "retry", labelledRun, "--store", store, "--on-workers", "-o", "json");
        Assert.True(retried.ExitCode == 1, retried.Stderr);
        doc = JsonDocument.Parse(retried.Stdout).RootElement;
        Assert.NotEqual(labelledRun, doc.GetProperty("runId").GetString());
        Assert.Equal(16, doc.GetProperty("targets").GetArrayLength());
        Assert.All(doc.GetProperty("targets").EnumerateArray(), t => Assert.Equal("ran-on-wb", t.GetProperty("stdout").GetString()!.Trim()));

        // Refused with exit 2 before anything runs: no live worker with the labels, a malformed label, a cluster option
        // without --on-workers, and runs that must stay in this process (--atomic, --stdin).
        int before = (await runs.QueryRunsAsync(new RunQuery(), CancellationToken.None)).Count;
        string marker = Path.Combine(_dir, "must-not-run");
        foreach ((string[] args, string expected) in new (string[], string)[]
        {
            (["--worker-labels", "zone=c"], "no live worker labelled zone=c in cluster 'fanout'"),
            (["--worker-labels", "zone"], "--worker-labels 'zone': 'zone' is not key=value"),
            (["--cluster-id", "other"], "--cluster-id only applies with --on-workers"),
            (["--silo-port", "0"], "--silo-port only applies with --on-workers"),
            (["--on-workers", "--atomic", "--rollback", "true"], "an --atomic run runs in the coordinating process, not on workers"),
            (["--on-workers", "--stdin"], "a --stdin run runs in the coordinating process, not on workers"),
            (["--on-workers", "--advertise", "nowhere"], "--advertise 'nowhere' is not an IP address"),
            (["--on-workers", "--password-env", "HOME"], "--password-env with --on-workers: a password is never recorded or sent to workers"),
        })
        {
            FanoutProcess.Result refused = await FanoutProcess.RunAsync(_dir, ["exec", "--store", store, "-i", inventory, "--all", "--yes", .. args, "touch " + marker]);
            Assert.True(refused.ExitCode == 2, $"{string.Join(' ', args)}: exit {refused.ExitCode}: {refused.Stderr}");
            Assert.Contains(expected, refused.Stderr, StringComparison.Ordinal);
        }

        FanoutProcess.Result sqlite = await FanoutProcess.RunAsync(_dir, "exec", "--store", Path.Combine(_dir, "s.db"), "-i", inventory, "--all", "--yes", "--on-workers", "touch " + marker);
        Assert.Equal(2, sqlite.ExitCode);
        Assert.Contains("--on-workers: a cluster needs a PostgreSQL store", sqlite.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
        Assert.Equal(before, (await runs.QueryRunsAsync(new RunQuery(), CancellationToken.None)).Count);

        // The CLI runs' silos left the cluster: the status lists the two workers, not one dead `cli` silo per run.
        JsonElement status = await WaitForSilosAsync(store, 2);
        Assert.Equal(["worker", "worker"], status.GetProperty("silos").EnumerateArray().Select(s => s.GetProperty("role").GetString()));
    }

    [Fact(Timeout = 300000)]
    public async Task CliExec_OnWorkers_SigtermCancelsTheTargetsOnEveryWorker_AndKill9LeavesThemToTheWorkersWatch()
    {
        string store = await postgres.CreateDatabaseAsync();
        string inventory = FanoutProcess.WriteInventory(_dir, 6);
        await using WorkerProcess a = await WorkerProcess.StartAsync(_dir, store, "wa");
        await using WorkerProcess b = await WorkerProcess.StartAsync(_dir, store, "wb");
        await WaitForSilosAsync(store, 2);
        await using IRunStore runs = await StoreFactory.OpenAsync(store, CancellationToken.None);

        string slow = Path.Combine(_dir, "slow");
        File.WriteAllText(slow, "");
        foreach (bool kill9 in new[] { false, true })
        {
            string log = Path.Combine(_dir, $"starts-{kill9}.log");
            using Process cli = FanoutProcess.Start(_dir, "exec", "--store", store, "-i", inventory, "--all", "--yes", "-p", "6", "--on-workers",
                $"echo $FANOUT_TARGET $FANOUT_TEST_WORKER >> {log}; if [ -e {slow} ]; then sleep 12; fi; touch {_dir}/finished-{kill9}-$FANOUT_TARGET");
            cli.StandardInput.Close();
            Task<string> stdout = cli.StandardOutput.ReadToEndAsync();
            Task<string> stderr = cli.StandardError.ReadToEndAsync();
            await WaitForLinesAsync(log, 6);
            Assert.Equal(["wa", "wb"], File.ReadAllLines(log).Select(l => l.Split(' ')[1]).Distinct().Order());

            var stopping = Stopwatch.StartNew();
            if (kill9)
            {
                // Nothing can cancel: the workers stop the targets once the cluster declares the CLI's silo dead.
                cli.Kill();
                await cli.WaitForExitAsync();
            }
            else
            {
                Assert.True(await FanoutProcess.TerminateAsync(cli, TimeSpan.FromSeconds(30)), "fanout exec did not stop within 30 s of SIGTERM");
                Assert.True(cli.ExitCode == 143, $"exit {cli.ExitCode}: {await stderr}");
                Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(10), $"SIGTERM took {stopping.Elapsed} to cancel the run");
                Assert.Contains("6 cancelled", await stdout, StringComparison.Ordinal);
            }

            // No target ever finishes: each was killed on its worker (they would touch their file 12 s after starting).
            await Task.Delay(TimeSpan.FromSeconds(15));
            Assert.Empty(Directory.GetFiles(_dir, $"finished-{kill9}-*"));
        }

        IReadOnlyList<RunRecord> recorded = [.. (await runs.QueryRunsAsync(new RunQuery(), CancellationToken.None)).OrderBy(r => r.StartedAt)];
        Assert.Equal(RunStatus.Cancelled, recorded[0].Status);

        // The killed run is resumed on the workers: its 6 targets were running, so all 6 run again, and finish this time.
        File.Delete(slow);
        FanoutProcess.Result resumed = await FanoutProcess.RunAsync(_dir, "resume", recorded[1].RunId, "--store", store, "--on-workers", "-o", "json");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains("6 were running when it stopped and run again", resumed.Stderr, StringComparison.Ordinal);
        Assert.Equal(6, Directory.GetFiles(_dir, "finished-True-*").Length);
        Assert.Equal(12, File.ReadAllLines(Path.Combine(_dir, "starts-True.log")).Length);
        Assert.Equal(RunStatus.Succeeded, (await runs.GetRunAsync(recorded[1].RunId, CancellationToken.None))!.Status);
    }

    [Fact(Timeout = 300000)]
    public async Task CliRun_OnWorkers_ItsFanOutStepsRunOnTheWorkers_ItsPlainStepsInTheCli()
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
                command: echo "plain ${FANOUT_TEST_WORKER:-cli}" >> {{{log}}}
            """);
        string workflow = Path.Combine(_dir, "workflows", "spread.yaml");
        string store = await postgres.CreateDatabaseAsync();
        string inventory = FanoutProcess.WriteInventory(_dir, 12);
        await using WorkerProcess a = await WorkerProcess.StartAsync(_dir, store, "w1");
        await using WorkerProcess b = await WorkerProcess.StartAsync(_dir, store, "w2");
        await WaitForSilosAsync(store, 2);

        FanoutProcess.Result dry = await FanoutProcess.RunAsync(_dir, "run", workflow, "--store", store, "-i", inventory, "--dry-run", "--on-workers");
        Assert.Equal(2, dry.ExitCode);
        Assert.Contains("--dry-run runs nothing: --on-workers does not apply", dry.Stderr, StringComparison.Ordinal);

        FanoutProcess.Result run = await FanoutProcess.RunAsync(_dir, "run", workflow, "--store", store, "-i", inventory, "--yes", "--on-workers");
        Assert.True(run.ExitCode == 0, run.Stderr);
        string[] lines = File.ReadAllLines(log);
        string[] greeted = [.. lines.Where(l => l.StartsWith("hello ", StringComparison.Ordinal))];

        // Each target's rendered command ran once, with the step's environment, on a worker; both workers took a share.
        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"t{i:000}"), greeted.Select(l => l.Split(' ')[1]).Order());
        Assert.Equal(["w1", "w2"], greeted.Select(l => l.Split(' ')[2]).Distinct().Order());
        // The plain step ran in the CLI's process, the workflow's coordinator.
        Assert.Equal("plain cli", lines.Last());
    }
}
