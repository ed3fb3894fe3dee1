using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Fanout.Storage.Tests.Cli;

/// <summary>
/// Issue 14, item 2: the CLI habits of the user's batch-operations document, each through the real <c>fanout</c>
/// executable — <c>schedule … --cron … --env production</c> and its default name, <c>history --limit</c>,
/// <c>cleanup --older-than 30d</c>, <c>workflows</c> (the document's <c>list</c>), <c>create … --services</c>,
/// <c>template generate</c>, and the <c>run FILE</c> options <c>--dry-run</c>, <c>--parallel</c>,
/// <c>--continue-on-error</c>, <c>--timeout</c>, <c>--save-state</c>, <c>--progress</c> — each doing what the document says.
/// </summary>
public sealed class Seed004CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-seed004-cli-").FullName;
    private readonly Dictionary<string, string> _env;

    public Seed004CliTests()
    {
        string config = Path.Combine(_dir, "config.yaml");
        File.WriteAllText(config, $"workflows_dir: {Path.Combine(_dir, "workflows")}\ntemplates_dir: {Path.Combine(_dir, "templates")}\nnotifications: {{channels: {{slack: {{command: 'true'}}, email: {{command: 'true'}}, grafana: {{command: 'true'}}}}}}\n");
        _env = new Dictionary<string, string> { ["FANOUT_CONFIG"] = config };
    }

    private string Store => Path.Combine(_dir, "store.db");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Task<FanoutProcess.Result> Fanout(params string[] args) => FanoutProcess.RunAsync(_dir, _env, args);

    private string Write(string name, string yaml)
    {
        string path = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, yaml);
        return path;
    }

    private string[] Lines(string file) => File.Exists(Path.Combine(_dir, file)) ? File.ReadAllLines(Path.Combine(_dir, file)) : [];

    private static void Ok(FanoutProcess.Result r, int exit = 0) => Assert.True(r.ExitCode == exit, $"exit {r.ExitCode} (expected {exit}):\n{r.Stdout}\n{r.Stderr}");

    private async Task<List<JsonElement>> HistoryAsync(params string[] args)
    {
        FanoutProcess.Result r = await Fanout(["history", "--store", Store, "-o", "json", .. args]);
        Ok(r);
        return [.. JsonDocument.Parse(r.Stdout).RootElement.GetProperty("runs").EnumerateArray()];
    }

    [Fact(Timeout = 180000)]
    public async Task Schedule_DocumentsForm_DefaultNameIsWorkflowEnvironmentCadence_ListedAndCancelledByIt()
    {
        // sysctl batch schedule deployment-workflow.yaml --cron "0 2 * * 0" --env production → deployment-production-weekly
        string file = Write("deployment-workflow.yaml", "steps:\n  - {name: deploy, command: 'echo deploy {{ .environment }}'}\n");
        string named = Write("backup.yaml", "name: nightly_backup\nsteps:\n  - {name: dump, command: 'echo dump'}\n");

        Ok(await Fanout("schedule", "add", file, "--cron", "0 2 * * 0", "--env", "production", "--store", Store));
        Ok(await Fanout("schedule", "add", named, "--cron", "30 3 * * *", "--store", Store));
        FanoutProcess.Result list = await Fanout("schedule", "list", "--store", Store, "-o", "json");
        Ok(list);
        string json = list.Stdout;
        Assert.Contains("\"deployment-production-weekly\"", json, StringComparison.Ordinal);
        Assert.Contains("\"nightly_backup-default-daily\"", json, StringComparison.Ordinal);

        FanoutProcess.Result again = await Fanout("schedule", "add", file, "--cron", "0 2 * * 0", "--env", "production", "--store", Store);
        Ok(again, 2);
        Assert.Contains("deployment-production-weekly", again.Stderr, StringComparison.Ordinal);

        // sysctl batch schedule cancel deployment-production-weekly
        Ok(await Fanout("schedule", "cancel", "deployment-production-weekly", "--store", Store));
        FanoutProcess.Result after = await Fanout("schedule", "list", "--store", Store, "-o", "json");
        Assert.DoesNotContain("deployment-production-weekly", after.Stdout, StringComparison.Ordinal);
        Assert.Contains("nightly_backup-default-daily", after.Stdout, StringComparison.Ordinal);
    }

    [Fact(Timeout = 240000)]
    public async Task History_Limit_ShowsTheNewestRuns_CleanupOlderThan30d_DeletesOnlyOlderRuns()
    {
        string file = Write("quick.yaml", "name: quick\nsteps:\n  - {name: one, command: 'echo one'}\n");
        var ids = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            FanoutProcess.Result r = await Fanout("run", file, "--store", Store, "-o", "json");
            Ok(r);
            ids.Add(JsonDocument.Parse(r.Stdout).RootElement.GetProperty("runId").GetString()!);
        }

        // sysctl batch history --limit 10 / --limit 2: the newest first, at most N.
        Assert.Equal([ids[2], ids[1], ids[0]], (await HistoryAsync("--limit", "10")).Select(r => r.GetProperty("runId").GetString()));
        Assert.Equal([ids[2], ids[1]], (await HistoryAsync("--limit", "2")).Select(r => r.GetProperty("runId").GetString()));
        FanoutProcess.Result table = await Fanout("history", "--store", Store, "--limit", "1");
        Ok(table);
        Assert.Contains(ids[2], table.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(ids[1], table.Stdout, StringComparison.Ordinal);
        Ok(await Fanout("history", "--store", Store, "--limit", "0"), 2);

        // The oldest run is made 40 days old in the store; cleanup --older-than 30d deletes it alone.
        string old = DateTimeOffset.UtcNow.AddDays(-40).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
        await using (var db = new SqliteConnection($"Data Source={Store};Pooling=False"))
        {
            await db.OpenAsync();
            await using SqliteCommand update = db.CreateCommand();
            update.CommandText = "UPDATE runs SET started_at = $t, ended_at = $t WHERE run_id = $id";
            update.Parameters.AddWithValue("$t", old);
            update.Parameters.AddWithValue("$id", ids[0]);
            Assert.Equal(1, await update.ExecuteNonQueryAsync());
        }

        FanoutProcess.Result cleanup = await Fanout("cleanup", "--older-than", "30d", "--store", Store);
        Ok(cleanup);
        Assert.Contains("Deleted 1 runs", cleanup.Stdout, StringComparison.Ordinal);
        Assert.Equal([ids[2], ids[1]], (await HistoryAsync()).Select(r => r.GetProperty("runId").GetString()));
        Ok(await Fanout("cleanup", "--older-than", "30days", "--store", Store), 2);
    }

    [Fact(Timeout = 180000)]
    public async Task Workflows_TheDocumentsList_ShowsEachFileWithNameVersionLeafStepsValidityAndDescription()
    {
        string seeds = Path.Combine(AppContext.BaseDirectory, "Cli", "Seed004");
        Directory.CreateDirectory(Path.Combine(_dir, "workflows"));
        foreach (string f in Directory.GetFiles(seeds, "*.yaml"))
        {
            File.Copy(f, Path.Combine(_dir, "workflows", Path.GetFileName(f)));
        }

        FanoutProcess.Result r = await Fanout("workflows");

        Ok(r);
        string[] lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("FILE ", lines[0], StringComparison.Ordinal);
        Assert.Equal(11, lines.Length);
        string basic = Assert.Single(lines, l => l.StartsWith("basic-deployment.yaml", StringComparison.Ordinal));

        // basic-deployment: 1 check + 3 deploys in a group + 1 test = 5 steps (the group is not a step), version 1.0.
        Assert.Matches(@"^basic-deployment\.yaml\s+basic-deployment\s+1\.0\s+5\s+valid.*Deploy multiple services in sequence$", basic);
        Assert.Matches(@"^environment-specific\.yaml\s+environment-specific\s+-\s+10\s+valid", Assert.Single(lines, l => l.StartsWith("environment-specific", StringComparison.Ordinal)));
        Assert.All(lines.Skip(1), l => Assert.DoesNotContain("invalid", l, StringComparison.Ordinal));
    }

    [Fact(Timeout = 180000)]
    public async Task Create_WithServicesOption_AndTemplateGenerate_ThroughTheExecutable()
    {
        // sysctl batch create microservice-deployment --template deployment --services api,worker
        FanoutProcess.Result created = await Fanout("create", "microservice-deployment", "--template", "deployment", "--services", "api,worker", "--set", "version=2.1.0", "-e", "production");
        Ok(created);
        string workflow = Path.Combine(_dir, "workflows", "microservice-deployment.yaml");
        Assert.True(File.Exists(workflow));
        FanoutProcess.Result plan = await Fanout("plan", workflow);
        Ok(plan);
        Assert.Contains("Plan: microservice-deployment", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains("api", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains("worker", plan.Stdout, StringComparison.Ordinal);
        Assert.Contains("production", plan.Stdout, StringComparison.Ordinal);

        // sysctl batch template generate --from successful-deployment.yaml --name custom-template
        string from = Write("successful-deployment.yaml", "name: shipped\nsteps:\n  - {name: deploy, command: 'deploy --host db1.internal.example.com --version 1.4.2 --env production'}\n");
        FanoutProcess.Result generated = await Fanout("template", "generate", "--from", from, "--name", "custom-template");
        Ok(generated);
        string template = Path.Combine(_dir, "templates", "custom-template.yaml");
        string text = File.ReadAllText(template);
        Assert.Contains("name: custom-template", text, StringComparison.Ordinal);
        Assert.Contains("{{ .version }}", text, StringComparison.Ordinal);
        FanoutProcess.Result templates = await Fanout("templates");
        Ok(templates);
        Assert.Contains("custom-template", templates.Stdout, StringComparison.Ordinal);
        Ok(await Fanout("create", "from-custom", "--template", "custom-template", "--set", "version=1.5.0"));
        Assert.Contains("1.5.0", File.ReadAllText(Path.Combine(_dir, "workflows", "from-custom.yaml")), StringComparison.Ordinal);
    }

    [Fact(Timeout = 180000)]
    public async Task Run_DryRun_PrintsThePlanAndRunsAndRecordsNothing()
    {
        string file = Write("dry.yaml", "name: dry\nsteps:\n  - {name: touch, command: 'touch ran'}\n");

        FanoutProcess.Result r = await Fanout("run", file, "--dry-run", "--store", Store);

        Ok(r);
        Assert.Contains("Plan: dry", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("1 touch: sh: touch ran", r.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "ran")));
        Assert.Empty(await HistoryAsync());
    }

    [Fact(Timeout = 180000)]
    public async Task Run_Parallel_CapsHowManyStepsRunAtOnce()
    {
        // Each child records how many children are inside their critical section when it enters.
        string file = Write("par.yaml", """
            name: par
            steps:
              - name: all
                parallel: true
                steps:
                  - {name: a, command: "mkdir -p in && touch in/a && ls in | wc -l >> seen && sleep 2 && rm in/a"}
                  - {name: b, command: "mkdir -p in && touch in/b && ls in | wc -l >> seen && sleep 2 && rm in/b"}
                  - {name: c, command: "mkdir -p in && touch in/c && ls in | wc -l >> seen && sleep 2 && rm in/c"}
            """);

        Ok(await Fanout("run", file, "--parallel", "1", "--store", Store));
        Assert.Equal(["1", "1", "1"], Lines("seen").Select(l => l.Trim()));

        File.Delete(Path.Combine(_dir, "seen"));
        Ok(await Fanout("run", file, "--store", Store));
        Assert.Contains(Lines("seen"), l => int.Parse(l.Trim(), CultureInfo.InvariantCulture) > 1);

        Ok(await Fanout("run", file, "--parallel", "0", "--store", Store), 2);
    }

    [Fact(Timeout = 180000)]
    public async Task Run_ContinueOnError_IndependentStepsRunAfterAFailure()
    {
        string file = Write("coe.yaml", "name: coe\nsteps:\n  - {name: broken, command: 'exit 3'}\n  - {name: independent, command: 'echo independent >> log'}\n");

        FanoutProcess.Result stop = await Fanout("run", file, "--store", Store, "-o", "json");
        Ok(stop, 1);
        Assert.Empty(Lines("log"));
        Assert.Equal(1, JsonDocument.Parse(stop.Stdout).RootElement.GetProperty("figures").GetProperty("not_run_steps").GetInt32());

        FanoutProcess.Result go = await Fanout("run", file, "--continue-on-error", "--store", Store, "-o", "json");
        Ok(go, 1);
        Assert.Equal(["independent"], Lines("log"));
        JsonElement figures = JsonDocument.Parse(go.Stdout).RootElement.GetProperty("figures");
        Assert.Equal((1, 1, 0), (figures.GetProperty("succeeded_steps").GetInt32(), figures.GetProperty("failed_steps").GetInt32(), figures.GetProperty("not_run_steps").GetInt32()));
    }

    [Fact(Timeout = 180000)]
    public async Task Run_Timeout_BoundsTheWholeRun()
    {
        string file = Write("slow.yaml", "name: slow\nsteps:\n  - {name: wait, command: 'sleep 60'}\n  - {name: after, command: 'echo after >> log'}\n");
        var watch = Stopwatch.StartNew();

        FanoutProcess.Result r = await Fanout("run", file, "--timeout", "2s", "--store", Store, "-o", "json");

        Ok(r, 1);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(55), $"the run took {watch.Elapsed}");
        JsonElement doc = JsonDocument.Parse(r.Stdout).RootElement;
        Assert.Contains("the workflow timed out after 2", doc.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, doc.GetProperty("figures").GetProperty("not_run_steps").GetInt32());
        Assert.Empty(Lines("log"));
        Ok(await Fanout("run", file, "--timeout", "soon", "--store", Store), 2);
    }

    [Fact(Timeout = 180000)]
    public async Task Run_GroupTimeout_BoundsEachChildWithoutItsOwn()
    {
        // best-practice-example.yaml: a group with `timeout: 60` bounds each of its checks; here 1s, and one child keeps its own.
        string file = Write("group-timeout.yaml", """
            name: group-timeout
            error_handling: {strategy: continue_on_error}
            steps:
              - name: checks
                timeout: 1
                steps:
                  - {name: stuck, command: 'sleep 30'}
                  - {name: own, command: 'sleep 2 && echo own >> log', timeout: 20}
            """);

        FanoutProcess.Result r = await Fanout("run", file, "--store", Store, "-o", "json");

        Ok(r, 1);
        JsonElement doc = JsonDocument.Parse(r.Stdout).RootElement;
        Dictionary<string, string> states = doc.GetProperty("steps").EnumerateArray().ToDictionary(s => s.GetProperty("path").GetString()!, s => s.GetProperty("state").GetString()!);
        Assert.Equal("timed-out", states["checks/stuck"]);
        Assert.Equal("succeeded", states["checks/own"]);
        Assert.Equal(["own"], Lines("log"));
        Assert.Equal(1, doc.GetProperty("figures").GetProperty("timed_out_steps").GetInt32());
    }

    [Fact(Timeout = 240000)]
    public async Task Run_SaveState_PrintsTheRunToResume_AndResumeContinuesWithoutRedoingCompletedSteps()
    {
        string file = Write("stateful.yaml", "name: stateful\nsteps:\n  - {name: first, command: 'echo first >> log'}\n  - {name: needs, command: 'test -f ready && echo needs >> log'}\n");

        FanoutProcess.Result failed = await Fanout("run", file, "--save-state", "--store", Store);
        Ok(failed, 1);
        System.Text.RegularExpressions.Match m = System.Text.RegularExpressions.Regex.Match(failed.Stderr, @"workflow state saved as run (\S+): 'fanout resume \1' continues it if it stops");
        Assert.True(m.Success, failed.Stderr);
        string runId = m.Groups[1].Value;

        File.WriteAllText(Path.Combine(_dir, "ready"), string.Empty);
        Ok(await Fanout("resume", runId, "--store", Store));
        Assert.Equal(["first", "needs"], Lines("log"));

        FanoutProcess.Result without = await Fanout("run", file, "--store", Store);
        Ok(without);
        Assert.DoesNotContain("workflow state saved", without.Stderr, StringComparison.Ordinal);
    }

    [Fact(Timeout = 180000)]
    public async Task Run_Progress_PrintsStepLinesEvenWithJsonOutput()
    {
        string file = Write("prog.yaml", "name: prog\nsteps:\n  - {name: one, command: 'echo one'}\n  - {name: two, command: 'echo two'}\n");

        FanoutProcess.Result quiet = await Fanout("run", file, "--store", Store, "-o", "json");
        FanoutProcess.Result progress = await Fanout("run", file, "--progress", "--store", Store, "-o", "json");

        Ok(quiet);
        Ok(progress);
        Assert.DoesNotContain("✓ one: succeeded", quiet.Stderr, StringComparison.Ordinal);
        Assert.Contains("✓ one: succeeded", progress.Stderr, StringComparison.Ordinal);
        Assert.Contains("✓ two: succeeded", progress.Stderr, StringComparison.Ordinal);
        Assert.Equal("succeeded", JsonDocument.Parse(progress.Stdout).RootElement.GetProperty("status").GetString());
    }
}
