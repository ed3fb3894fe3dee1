using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Fanout.Runs;

namespace Fanout.Storage.Tests.Cli;

/// <summary>
/// SPEC A9, issue 9: every kind of run (exec, script, sync, lifecycle, workflow) × action × surface, through the real
/// <c>fanout</c> executable and a real <c>fanout serve</c> over one SQLite store. docs/architecture.md names these tests.
/// </summary>
public sealed partial class RunModelTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-runmodel-").FullName;
    private readonly string _store;
    private readonly string _inventory;

    public RunModelTests()
    {
        _store = Path.Combine(_dir, "store.db");
        // Three local targets with a lifecycle provider whose operations are local commands.
        _inventory = Write("inventory.yaml", $$"""
            defaults:
              transport: local
              provider: shell
            targets:
              t001: {}
              t002: {}
              t003: {}
            providers:
              shell:
                start: "{{Step("started")}}"
                stop: "{{Step("stopped")}}"
                restart: "{{Step("restarted")}}"
                status: "{{Step("status")}}"
            """);
    }

    private string Mark => Path.Combine(_dir, "mark");

    private string Log => Path.Combine(_dir, "ran.log");

    /// <summary>
    /// The command every kind runs per target: fails while <c>block-TARGET</c> exists, sleeps while <c>mark</c> exists
    /// (except on t001, which always completes at once), then appends "WORD TARGET" to the log.
    /// </summary>
    private string Step(string word, string target = "{{ .target.name }}") =>
        $"test ! -f {_dir}/block-{target} || exit 3; if [ -f {Mark} ] && [ {target} != t001 ]; then sleep 60; fi; echo {word} {target} >> {Log}";

    private string[] LogLines() => File.Exists(Log) ? File.ReadAllLines(Log) : [];

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string content)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    private Task<FanoutProcess.Result> Fanout(params string[] args) => FanoutProcess.RunAsync(_dir, [.. args, "--store", _store]);

    /// <summary>The command line that starts a run of <paramref name="kind"/> whose targets run <see cref="Step"/> (sync: copies a file).</summary>
    private string[] RunOf(string kind) => kind switch
    {
        "exec" => ["exec", Step("ran", "$FANOUT_TARGET"), "-i", _inventory, "--all", "--yes", "-q"],
        "script" => ["script", Write("step.sh", "#!/bin/sh\n" + Step("ran", "$FANOUT_TARGET") + "\n"), "-i", _inventory, "--all", "--yes", "-q"],
        "sync" => ["sync", Write("payload.txt", "payload"), Path.Combine(_dir, "synced", "payload.txt"), "-i", _inventory, "--all", "--yes", "-q"],
        "lifecycle" => ["restart", "-i", _inventory, "--all", "--yes", "-q"],
        "workflow" => ["run", Write("wf.yaml", $$"""
            name: wf
            steps:
              - name: fan
                command: "{{Step("ran", "$FANOUT_TARGET")}}"
                targets: {pattern: "t*"}
            """), "-i", _inventory],
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private string[] SlowRun(string kind)
    {
        File.WriteAllText(Mark, string.Empty);
        return RunOf(kind);
    }

    private async Task<string> WaitForRunningAsync(Process owner)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            Assert.False(owner.HasExited, "the run ended before it could be cancelled");
            FanoutProcess.Result history = await Fanout("history", "-o", "json", "--status", "running");
            JsonElement runs = JsonDocument.Parse(history.Stdout).RootElement.GetProperty("runs");
            if (runs.GetArrayLength() > 0)
            {
                return runs[0].GetProperty("runId").GetString()!;
            }

            await Task.Delay(200, deadline.Token);
        }
    }

    private async Task<RunRecord> RunRecordAsync(string runId)
    {
        await using IRunStore s = await StoreFactory.OpenAsync(_store, CancellationToken.None);
        return (await s.GetRunAsync(runId, CancellationToken.None))!;
    }

    public static TheoryData<string, string> CancelCases()
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
    /// Cancel from another process: <c>fanout cancel RUN_ID</c> or <c>POST /api/runs/{id}/cancel</c> of a real server stops a run owned by a CLI process.
    /// A sync copies a small file at once, so its slow targets are SSH targets of a listener that never answers (they hang connecting).
    /// </summary>
    [Theory(Timeout = 180000)]
    [MemberData(nameof(CancelCases))]
    public async Task Cancel_FromAnotherProcess_StopsTheOwnersRun(string kind, string surface)
    {
        string token = surface == "api" ? await ServeProcess.CreateTokenAsync(_dir, _store) : string.Empty;
        await using ServeProcess? serve = surface == "api" ? await ServeProcess.StartAsync(_dir, _store, token, "-i", _inventory) : null;
        using System.Net.Sockets.TcpListener? hang = kind == "sync" ? Hang() : null;
        Process owner = StartWithEnvironment(kind == "sync"
            ? SyncRun(SyncInventory(((System.Net.IPEndPoint)hang!.LocalEndpoint).Port, ["t002", "t003"]), hanging: true)
            : SlowRun(kind));
        using (owner)
        {
            Task<string> ownerErr = owner.StandardError.ReadToEndAsync();
            _ = owner.StandardOutput.ReadToEndAsync();
            try
            {
                string runId = await WaitForRunningAsync(owner);
                var clock = Stopwatch.StartNew();

                if (serve is null)
                {
                    FanoutProcess.Result cancel = await Fanout("cancel", runId, "--wait");
                    Assert.True(cancel.ExitCode == 0, cancel.Stderr);
                    Assert.Contains($"Cancel requested for run {runId}", cancel.Stdout, StringComparison.Ordinal);
                    Assert.Contains($"Run {runId} cancelled.", cancel.Stdout, StringComparison.Ordinal);
                }
                else
                {
                    using HttpResponseMessage response = await serve.Client.PostAsync(new Uri($"/api/runs/{runId}/cancel", UriKind.Relative), null);
                    Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
                }

                using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(45)))
                {
                    await owner.WaitForExitAsync(deadline.Token);
                }

                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(45), $"the owner took {clock.Elapsed} to stop");
                Assert.NotEqual(0, owner.ExitCode);
                RunRecord run = await RunRecordAsync(runId);
                Assert.True(run.Status == RunStatus.Cancelled, $"status {run.Status}; owner stderr: {await ownerErr}");
                Assert.True(run.Counts.Succeeded < run.Counts.Total, "every target completed: the cancel came too late");
            }
            finally
            {
                if (!owner.HasExited)
                {
                    owner.Kill(entireProcessTree: true);
                }
            }
        }
    }

    /// <summary>Starts fanout with MARK (lifecycle commands sleep while it exists) and LOG set.</summary>
    private Process StartWithEnvironment(string[] args, string? stdin = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = _dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(FanoutProcess.ExecutablePath);
        foreach (string a in args.Concat(["--store", _store]))
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment.Remove("FANOUT_STORE");
        info.Environment.Remove("FANOUT_INVENTORY");
        info.Environment["FANOUT_TEST_PASSWORD"] = "not-a-real-password";
        Process p = Process.Start(info)!;
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
        }

        p.StandardInput.Close();
        return p;
    }
}
