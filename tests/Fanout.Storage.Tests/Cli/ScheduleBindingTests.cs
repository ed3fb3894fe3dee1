using System.Text.Json;
using Fanout.Runs;

namespace Fanout.Storage.Tests.Cli;

/// <summary>
/// Schedules go through the same path as runs (issue 9 item 7), through the real <c>fanout</c> executable and a real
/// <c>fanout serve</c>: <c>schedule add</c> validates as <c>run</c>/<c>exec</c> would (exit 2, nothing stored), <c>--set</c> binds
/// the same for <c>run</c> and a schedule's fire, secrets are stored as references only, and a fire that cannot start is a failed
/// run in history, logged at Warning.
/// </summary>
public sealed class ScheduleBindingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-schedbind-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Store => Path.Combine(_dir, "store.db");

    private Task<FanoutProcess.Result> Fanout(params string[] args) => FanoutProcess.RunAsync(_dir, [.. args, "--store", Store]);

    private string WriteWorkflow(string output)
    {
        string file = Path.Combine(_dir, "bind.yaml");
        File.WriteAllText(file, $$$"""
            name: bind
            parameters:
              - {name: token, secret: true, required: true}
            steps:
              - {name: w, command: "printf '%s|%s|%s|%s' {{ join .k '+' }} {{ .a }} {{ .b }} {{ .token }} > {{{output}}}"}
            """);
        return file;
    }

    [Fact(Timeout = 120000)]
    public async Task Add_ValidatesLikeRunAndExec_Exit2_NothingStored()
    {
        string workflow = WriteWorkflow(Path.Combine(_dir, "never.txt"));
        string bad = Path.Combine(_dir, "bad.yaml");
        File.WriteAllText(bad, "name: bad\nsteps:\n  - {name: x, comand: true}\n");
        string inventory = FanoutProcess.WriteInventory(_dir, 2);

        FanoutProcess.Result missing = await Fanout("schedule", "add", workflow, "--cron", "0 2 * * *");
        FanoutProcess.Result inline = await Fanout("schedule", "add", workflow, "--set", "token=plain-s3cret", "--cron", "0 2 * * *");
        FanoutProcess.Result invalid = await Fanout("schedule", "add", bad, "--cron", "0 2 * * *");
        FanoutProcess.Result noInventory = await Fanout("schedule", "add", "--exec", "true", "-i", Path.Combine(_dir, "nope.yaml"), "--all", "--cron", "0 2 * * *");
        FanoutProcess.Result unknownGroup = await Fanout("schedule", "add", "--exec", "true", "-i", inventory, "--group", "nosuch", "--cron", "0 2 * * *");

        Assert.True(missing.ExitCode == 2, missing.Stderr);
        Assert.Contains("parameter 'token' is required", missing.Stderr, StringComparison.Ordinal);
        Assert.True(inline.ExitCode == 2, inline.Stderr);
        Assert.Contains("'token'", inline.Stderr, StringComparison.Ordinal);
        Assert.Contains("--set-env", inline.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("plain-s3cret", inline.Stderr, StringComparison.Ordinal);
        Assert.True(invalid.ExitCode == 2, invalid.Stderr);
        Assert.Contains("bad.yaml:3:", invalid.Stderr, StringComparison.Ordinal);
        Assert.True(noInventory.ExitCode == 2, noInventory.Stderr);
        Assert.Contains("nope.yaml", noInventory.Stderr, StringComparison.Ordinal);
        Assert.True(unknownGroup.ExitCode == 2, unknownGroup.Stderr);
        Assert.Contains("nosuch", unknownGroup.Stderr, StringComparison.Ordinal);
        FanoutProcess.Result list = await Fanout("schedule", "list", "-o", "json");
        Assert.Equal(0, JsonDocument.Parse(list.Stdout).RootElement.GetProperty("schedules").GetArrayLength());
    }

    [Fact(Timeout = 180000)]
    public async Task Fire_BindsSetExactlyAsRun_ReadsTheSecretReferenceFromTheServersEnvironment()
    {
        string output = Path.Combine(_dir, "out.txt");
        string workflow = WriteWorkflow(output);
        var environment = new Dictionary<string, string> { ["FANOUT_TEST_TOKEN"] = "t0k-from-env" };
        string[] parameters = ["--set", "k=x,y", "--set", "a=1,b=2", "--set-env", "token=FANOUT_TEST_TOKEN"];

        FanoutProcess.Result run = await FanoutProcess.RunAsync(_dir, environment, ["run", workflow, .. parameters, "--store", Store]);
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        string byRun = File.ReadAllText(output);
        Assert.Equal("x+y|1|2|t0k-from-env", byRun); // k=x,y is a list; a=1,b=2 are two pairs
        File.Delete(output);

        // Added where the variable is not set: it is read at every fire, from the server's environment.
        FanoutProcess.Result add = await Fanout(["schedule", "add", workflow, .. parameters, "--cron", "*/1 * * * * *", "--name", "bind-tick"]);
        Assert.True(add.ExitCode == 0, add.Stderr);
        await using (IRunStore store = await StoreFactory.OpenAsync(Store, CancellationToken.None))
        {
            ScheduleRecord schedule = Assert.Single(await store.GetSchedulesAsync(CancellationToken.None));
            Assert.Equal("[\"--set\",\"k=x,y\",\"--set\",\"a=1,b=2\",\"--set-env\",\"token=FANOUT_TEST_TOKEN\"]", schedule.Parameters);
        }

        string token = await ServeProcess.CreateTokenAsync(_dir, Store);
        await using (ServeProcess serve = await ServeProcess.StartAsync(_dir, Store, token, environment, []))
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            while (!File.Exists(output) || new FileInfo(output).Length == 0)
            {
                Assert.False(serve.HasExited, "fanout serve exited");
                await Task.Delay(100, deadline.Token);
            }
        }

        Assert.Equal(byRun, File.ReadAllText(output));
    }

    [Fact(Timeout = 180000)]
    public async Task Fire_ThatCannotStart_IsAFailedRunInHistory_LoggedAtWarning()
    {
        string workflow = WriteWorkflow(Path.Combine(_dir, "never.txt"));
        FanoutProcess.Result add = await Fanout("schedule", "add", workflow, "--set", "k=x", "--set", "a=1,b=2", "--set-env", "token=FANOUT_TEST_UNSET_VARIABLE", "--cron", "*/1 * * * * *", "--name", "no-secret");
        Assert.True(add.ExitCode == 0, add.Stderr);

        string token = await ServeProcess.CreateTokenAsync(_dir, Store);
        RunRecord failed;
        ServeProcess serve = await ServeProcess.StartAsync(_dir, Store, token);
        await using (serve)
        {
            await using IRunStore store = await StoreFactory.OpenAsync(Store, CancellationToken.None);
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            while (true)
            {
                if ((await store.QueryRunsAsync(new RunQuery { Status = RunStatus.Failed }, CancellationToken.None)).FirstOrDefault() is { } found)
                {
                    failed = found;
                    break;
                }

                Assert.False(serve.HasExited, "fanout serve exited");
                await Task.Delay(100, deadline.Token);
            }
        }

        Assert.Equal(("workflow", "no-secret", "schedule:no-secret"), (failed.Kind, failed.Name, failed.Actor));
        Assert.Contains("FANOUT_TEST_UNSET_VARIABLE", failed.StopReason, StringComparison.Ordinal);
        FanoutProcess.Result history = await Fanout("history", "-o", "json");
        Assert.Contains(failed.RunId, history.Stdout, StringComparison.Ordinal);
        string[] log = (await serve.Stdout).Split('\n');
        Assert.Contains(log, l => l.Contains("\"LogLevel\":\"Warning\"", StringComparison.Ordinal) && l.Contains("Schedule no-secret could not fire", StringComparison.Ordinal));
    }
}
