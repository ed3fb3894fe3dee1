using System.Diagnostics;
using System.Text.Json;
using Fanout.Runs;
using Fanout.Workflows.Engine;

namespace Fanout.Storage.Tests.Cli;

/// <summary>
/// Issue 14: the ten workflow files of the user's document (tests/Fanout.Storage.Tests/Cli/Seed004, verbatim) validate
/// and run through the real fanout executable against a stand-in for the document's <c>sysctl</c> command. The stand-in
/// logs its arguments (one line per call) and fails when they match <c>$SYSCTL_FAIL</c> (an extended regex).
/// </summary>
public sealed class Seed004Tests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-seed004-").FullName;
    private readonly string _log;
    private readonly string _notifications;
    private readonly string _aggregated;
    private readonly Dictionary<string, string> _env;

    public Seed004Tests()
    {
        string bin = Directory.CreateDirectory(Path.Combine(_dir, "bin")).FullName;
        _log = Path.Combine(_dir, "sysctl.log");
        _notifications = Path.Combine(_dir, "notifications.jsonl");
        _aggregated = Path.Combine(_dir, "steps.jsonl");
        WriteExecutable(Path.Combine(bin, "sysctl"), """
            #!/bin/sh
            # Stand-in for the document's sysctl: logs the call, fails on $SYSCTL_FAIL, answers status and metrics queries.
            echo "sysctl $*" >> "$SYSCTL_LOG"
            if [ -n "$SYSCTL_FAIL" ] && echo "$*" | grep -Eq -- "$SYSCTL_FAIL"; then echo "sysctl: $1 failed" >&2; exit 3; fi
            case "$*" in
              "status --all"*) echo "${SYSCTL_STATUS:-[]}" ;;
              "metrics api --metric cpu_usage --format value") echo "${SYSCTL_CPU:-50}" ;;
              *) echo "ok: $*" ;;
            esac
            """);
        WriteExecutable(Path.Combine(bin, "kubectl"), """
            #!/bin/sh
            echo "kubectl $*" >> "$SYSCTL_LOG"
            """);
        string config = Path.Combine(_dir, "config.yaml");
        File.WriteAllText(config, $"""
            notifications:
              channels:
                slack: {"{"}command: '{"{"} cat; echo; {"}"} >> {_notifications}.slack'{"}"}
                email: {"{"}command: '{"{"} cat; echo; {"}"} >> {_notifications}.email'{"}"}
                grafana: {"{"}command: '{"{"} cat; echo; {"}"} >> {_notifications}.grafana'{"}"}
            log_aggregation: {"{"}path: {_aggregated}{"}"}
            """);
        _env = new Dictionary<string, string>
        {
            ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH"),
            ["SYSCTL_LOG"] = _log,
            ["FANOUT_CONFIG"] = config,
        };
    }

    private string Store => Path.Combine(_dir, "store.db");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> Files
    {
        get
        {
            var files = new TheoryData<string>();
            foreach (string f in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Cli", "Seed004"), "*.yaml").Order(StringComparer.Ordinal))
            {
                files.Add(Path.GetFileName(f));
            }

            return files;
        }
    }

    private static string Seed(string file) => Path.Combine(AppContext.BaseDirectory, "Cli", "Seed004", file);

    private static void WriteExecutable(string path, string text)
    {
        File.WriteAllText(path, text + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private Task<FanoutProcess.Result> Fanout(IReadOnlyDictionary<string, string>? extra, params string[] args)
    {
        var env = new Dictionary<string, string>(_env);
        foreach ((string k, string v) in extra ?? new Dictionary<string, string>())
        {
            env[k] = v;
        }

        return FanoutProcess.RunAsync(_dir, env, args);
    }

    private Task<FanoutProcess.Result> Run(string file, params string[] args) => Fanout(null, ["run", Seed(file), "--store", Store, "-o", "json", .. args]);

    private Task<FanoutProcess.Result> RunFailing(string pattern, string file, params string[] args) =>
        Fanout(new Dictionary<string, string> { ["SYSCTL_FAIL"] = pattern }, ["run", Seed(file), "--store", Store, "-o", "json", .. args]);

    // What the two command channels received, one JSON document per line (each channel appends to its own file).
    private string[] Sent() =>
        [.. new[] { ".slack", ".email" }.Select(x => _notifications + x).Where(File.Exists).SelectMany(File.ReadAllLines).Where(l => l.Length > 0)];

    private string[] Calls() => File.Exists(_log) ? File.ReadAllLines(_log) : [];

    private int IndexOf(string call)
    {
        int i = Array.IndexOf(Calls(), call);
        Assert.True(i >= 0, $"'{call}' was not called; calls:\n{string.Join("\n", Calls())}");
        return i;
    }

    private static JsonElement Json(FanoutProcess.Result r) => JsonDocument.Parse(r.Stdout).RootElement;

    private static Dictionary<string, string> States(JsonElement doc) =>
        doc.GetProperty("steps").EnumerateArray().GroupBy(s => s.GetProperty("path").GetString()!).ToDictionary(g => g.Key, g => g.Last().GetProperty("state").GetString()!);

    private Task<IFanoutStore> OpenStoreAsync() => StoreFactory.OpenAsync(Store, CancellationToken.None);

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Files))]
    public async Task Validate_EachFileOfTheDocument_NoErrors(string file)
    {
        FanoutProcess.Result r = await Fanout(null, "validate", Seed(file));

        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.DoesNotContain(": error:", r.Stdout + r.Stderr);
        Assert.DoesNotContain("is not configured", r.Stdout); // slack and email are configured channels
    }

    [Fact(Timeout = 120000)]
    public async Task Run_BasicDeployment_RunsInOrderWithRenderedValues_RollsBackOnFailure()
    {
        FanoutProcess.Result ok = await Run("basic-deployment.yaml", "--set", "image_tag=v2.1.0", "-e", "production");

        Assert.True(ok.ExitCode == 0, ok.Stdout + ok.Stderr);
        int health = IndexOf("sysctl health --all --env production");
        int api = IndexOf("sysctl deploy api --env production --image api:v2.1.0 --wait");
        int worker = IndexOf("sysctl deploy worker --env production --image worker:v2.1.0 --wait");
        int scheduler = IndexOf("sysctl deploy scheduler --env production --image scheduler:v2.1.0 --wait");
        int smoke = IndexOf("sysctl test smoke --env production");
        int notify = IndexOf("sysctl notify --message Deployment completed successfully --channel slack");
        Assert.True(health < api && api < worker && api < scheduler && worker < smoke && scheduler < smoke && smoke < notify, string.Join("\n", Calls()));
        Assert.DoesNotContain("sysctl rollback --all --env production", Calls());

        // Defaults apply without -e (environment: staging), and a failing smoke test runs the on_failure rollback.
        File.Delete(_log);
        FanoutProcess.Result failed = await RunFailing("^test smoke", "basic-deployment.yaml");
        Assert.Equal(1, failed.ExitCode);
        Assert.True(IndexOf("sysctl test smoke --env staging") < IndexOf("sysctl rollback --all --env staging"));
        Assert.DoesNotContain(Calls(), c => c.StartsWith("sysctl notify", StringComparison.Ordinal));
        Assert.Contains("sysctl deploy api --env staging --image api:latest --wait", Calls());
    }

    [Fact(Timeout = 120000)]
    public async Task Run_AdvancedDeployment_ConditionsLoopsMetricsNotifications_AndParameterValidation()
    {
        FanoutProcess.Result ok = await Run("advanced-deployment.yaml", "--set", "environment=staging", "--set", "services=[\"api\",\"worker\"]");

        Assert.True(ok.ExitCode == 0, ok.Stdout + ok.Stderr);
        JsonElement doc = Json(ok);
        Dictionary<string, string> states = States(doc);
        Assert.Equal("skipped", states["backup_check"]); // when .is_production
        Assert.Equal("skipped", states["maintenance_mode"]);
        Assert.Equal("skipped", states["blue_green_deployment/switch_traffic"]); // when .is_production, so no approval asked
        int prepare = IndexOf("sysctl traffic blue-green prepare --env staging");
        int api = IndexOf("sysctl deploy api --env staging --target green --wait"); // the bash loop over the quoted list
        int worker = IndexOf("sysctl deploy worker --env staging --target green --wait");
        int test = IndexOf("sysctl test integration --env staging --target green");
        Assert.True(api < worker && worker < test && prepare < IndexOf("sysctl cleanup --keep-last 3 --env staging"));
        Assert.DoesNotContain(Calls(), c => c.Contains("backup verify", StringComparison.Ordinal) || c.Contains("promote", StringComparison.Ordinal));

        // monitoring.metrics: the three figures are exported on the run record (and so to /metrics).
        string runId = doc.GetProperty("runId").GetString()!;
        await using (var store = await OpenStoreAsync())
        {
            var metrics = await store.Workflows!.GetMetricsAsync(runId, CancellationToken.None);
            Assert.Contains(metrics, m => m.Name == "fanout_workflow_deployment_duration");
            Assert.Contains(metrics, m => m.Name == "fanout_workflow_success_rate" && m.Value == 100);
            Assert.Contains(metrics, m => m.Name == "fanout_workflow_rollback_count" && m.Value == 0);
        }

        // notifications.events started + completed went to both configured channels.
        string[] sent = Sent();
        Assert.Equal(2, sent.Count(l => l.Contains("\"event\":\"started\"", StringComparison.Ordinal)));
        Assert.Equal(2, sent.Count(l => l.Contains("\"event\":\"completed\"", StringComparison.Ordinal)));

        // Parameter validation: pattern and min_items, exit 2, nothing runs.
        File.Delete(_log);
        FanoutProcess.Result badEnv = await Run("advanced-deployment.yaml", "--set", "environment=prod", "--set", "services=api");
        Assert.Equal(2, badEnv.ExitCode);
        Assert.Contains("parameter 'environment': 'prod' does not match the pattern ^(staging|production)$", badEnv.Stderr);
        FanoutProcess.Result noServices = await Run("advanced-deployment.yaml", "--set", "environment=staging", "--set", "services=[]");
        Assert.Equal(2, noServices.ExitCode);
        Assert.Contains("parameter 'services': needs at least 1 item(s), got 0", noServices.Stderr);
        Assert.Empty(Calls());
    }

    [Fact(Timeout = 180000)]
    public async Task Run_AdvancedDeploymentInProduction_WaitsForApprovalBeforeSwitchingTraffic()
    {
        var env = new Dictionary<string, string>(_env);
        using Process run = FanoutProcess.Start(_dir, env, "run", Seed("advanced-deployment.yaml"), "--set", "environment=production,services=api", "--progress", "--store", Store);
        run.StandardInput.Close();
        Task<string> stdout = run.StandardOutput.ReadToEndAsync();
        string? runId = await FanoutProcess.ReadApprovalRunIdAsync(run);

        Assert.NotNull(runId);
        Assert.DoesNotContain(Calls(), c => c.Contains("promote", StringComparison.Ordinal)); // not before the approval
        FanoutProcess.Result approved = await Fanout(null, "approve", runId!, "switch_traffic", "--store", Store);
        Assert.True(approved.ExitCode == 0, approved.Stderr);
        _ = run.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await run.WaitForExitAsync(deadline.Token);

        Assert.True(run.ExitCode == 0, await stdout);
        Assert.True(IndexOf("sysctl backup verify --latest --env production") < IndexOf("sysctl maintenance enable --services api --env production"));
        Assert.True(IndexOf("sysctl test integration --env production --target green") < IndexOf("sysctl traffic blue-green promote --env production"));
        Assert.Contains(Sent(), l => l.Contains("\"event\":\"requires_approval\"", StringComparison.Ordinal));
    }

    [Fact(Timeout = 120000)]
    public async Task Run_ParallelOperations_DependenciesOrderTheCalls()
    {
        FanoutProcess.Result r = await Run("parallel-operations.yaml", "--progress");

        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.True(IndexOf("sysctl backup database --type full --compress") < IndexOf("sysctl backup database --replicas --type incremental"));
        Assert.True(IndexOf("sysctl database analyze --all-tables") < IndexOf("sysctl database vacuum --analyze"));
        int lastDb = new[] { "sysctl backup database --replicas --type incremental", "sysctl database vacuum --analyze" }.Max(IndexOf);
        int api = IndexOf("sysctl config update api --file configs/api-v2.yaml");
        int worker = IndexOf("sysctl config update worker --file configs/worker-v2.yaml");
        int restart = IndexOf("sysctl restart api worker --rolling");
        Assert.True(lastDb < api && lastDb < worker && api < restart && worker < restart, string.Join("\n", Calls()));
    }

    [Fact(Timeout = 120000)]
    public async Task Run_ResourceManagement_RunsEachTaskWithinTheLimits()
    {
        FanoutProcess.Result r = await Run("resource-management.yaml");

        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Equal(
            ["sysctl backup create --all --compress", "sysctl logs analyze --duration 7d --pattern-detection", "sysctl metrics aggregate --duration 30d --export"],
            Calls().Order(StringComparer.Ordinal));
    }

    [Fact(Timeout = 120000)]
    public async Task Run_ConditionalDeployment_DecidesOnCapturedJsonAndLoad()
    {
        var unhealthy = new Dictionary<string, string> { ["SYSCTL_STATUS"] = """[{"name":"api","health_score":70},{"name":"db","health_score":99}]""", ["SYSCTL_CPU"] = "91" };
        FanoutProcess.Result low = await Fanout(unhealthy, "run", Seed("conditional-deployment.yaml"), "-e", "staging", "--store", Store, "-o", "json");

        Assert.True(low.ExitCode == 0, low.Stdout + low.Stderr);
        Assert.Contains("sysctl deploy api --env staging", Calls());
        Assert.Contains("sysctl scale api --replicas 5 --env staging", Calls());

        File.Delete(_log);
        var healthy = new Dictionary<string, string> { ["SYSCTL_STATUS"] = """[{"name":"api","health_score":95}]""", ["SYSCTL_CPU"] = "12" };
        FanoutProcess.Result high = await Fanout(healthy, "run", Seed("conditional-deployment.yaml"), "-e", "staging", "--store", Store, "-o", "json");
        Assert.True(high.ExitCode == 0, high.Stdout + high.Stderr);
        Assert.Equal("skipped", States(Json(high))["conditional_deployment"]);
        Assert.DoesNotContain("sysctl deploy api --env staging", Calls());
        Assert.Contains("sysctl scale api --replicas 2 --env staging", Calls());
    }

    [Fact(Timeout = 120000)]
    public async Task Run_EnvironmentSpecific_UnnamedStepsGetStableNames_OnlyTheEnvironmentsSetupRuns()
    {
        FanoutProcess.Result plan = await Fanout(null, "plan", Seed("environment-specific.yaml"), "-e", "staging");
        Assert.True(plan.ExitCode == 0, plan.Stdout + plan.Stderr);
        Assert.Contains("staging_setup[2]", plan.Stdout);
        Assert.Contains("production_setup[4]", plan.Stdout);

        FanoutProcess.Result r = await Run("environment-specific.yaml", "-e", "staging");

        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Equal(["sysctl test data-seed --sample-data", "sysctl config set log_level=debug", "sysctl monitoring enable --all"], Calls());
        Dictionary<string, string> states = States(Json(r));
        Assert.Equal("succeeded", states["staging_setup/staging_setup[1]"]);
        Assert.Equal("skipped", states["development_setup"]);
        Assert.Equal("skipped", states["production_setup"]);
        FanoutProcess.Result history = await Fanout(null, "show", Json(r).GetProperty("runId").GetString()!, "--store", Store);
        Assert.Contains("staging_setup/staging_setup[3]", history.Stdout);
    }

    [Fact(Timeout = 120000)]
    public async Task Validate_ErrorHandling_WarnsThatUndefinedRecoveryConditionsAndActionsCanNeverRun()
    {
        FanoutProcess.Result v = await Fanout(null, "validate", Seed("error-handling.yaml"));

        Assert.Equal(0, v.ExitCode);
        Assert.Contains("recovery strategy 'service_recovery': condition 'service_down' is neither a failure class", v.Stdout);
        Assert.Contains("recovery strategy 'service_recovery': action 'restart_service' is defined neither in the workflow's 'actions:' nor in Fanout's config", v.Stdout);

        FanoutProcess.Result r = await Run("error-handling.yaml");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Equal(["sysctl deploy api --env production"], Calls()); // succeeded first time: no hooks, no recovery
        Assert.Empty(Json(r).GetProperty("recoveries").EnumerateArray());
    }

    [Fact(Timeout = 120000)]
    public async Task Run_Recovery_FiresStrategiesWhoseConditionHolds_AfterStepHooks_BeforeRollback()
    {
        string file = Path.Combine(_dir, "recovery.yaml");
        File.WriteAllText(file, """
            name: recovery
            conditions:
              - name: service_down
                expression: "{{ .failed_step.name == 'risky_operation' }}"
            actions:
              restart_service: {command: "sysctl restart api"}
              scale_up_replicas: "sysctl scale api --replicas 3"
            recovery:
              enabled: true
              strategies:
                - name: service_recovery
                  conditions: [service_down, health_check_failed]
                  actions: [restart_service, scale_up_replicas, switch_to_backup]
                - name: data_recovery
                  conditions: [deployment_timeout]
                  actions: [restore_from_backup]
            rollback:
              steps: [{name: undo, command: "sysctl rollback api"}]
            steps:
              - name: risky_operation
                command: "sysctl deploy api --env production"
                on_failure:
                  - {name: log_failure, command: "sysctl log failure"}
            """);

        FanoutProcess.Result r = await Fanout(new Dictionary<string, string> { ["SYSCTL_FAIL"] = "^deploy" }, "run", file, "--store", Store, "-o", "json");

        Assert.Equal(1, r.ExitCode);
        Assert.Equal(["sysctl deploy api --env production", "sysctl log failure", "sysctl restart api", "sysctl scale api --replicas 3", "sysctl rollback api"], Calls());
        JsonElement doc = Json(r);
        Assert.Equal(
            ["service_recovery (service_down (step 'risky_operation' failed)): restart_service ok, scale_up_replicas ok, switch_to_backup undefined"],
            doc.GetProperty("recoveries").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("switch_to_backup", doc.GetProperty("degradations").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(1, doc.GetProperty("figures").GetProperty("recoveries").GetInt64());
        await using (var store = await OpenStoreAsync())
        {
            var notes = await store.Workflows!.GetAnnotationsAsync(doc.GetProperty("runId").GetString()!, CancellationToken.None);
            Assert.Contains(notes, n => n.Kind == "recovery" && n.Message.Contains("service_recovery", StringComparison.Ordinal));
            Assert.DoesNotContain(notes, n => n.Kind == "recovery" && n.Message.Contains("data_recovery", StringComparison.Ordinal));
        }
    }

    [Fact(Timeout = 240000)]
    public async Task Run_CircuitBreaker_OpensAfterFiveFailures_FallbackStepsAndDegradationsEveryTime()
    {
        for (int i = 1; i <= 6; i++)
        {
            FanoutProcess.Result r = await RunFailing("database migrate", "circuit-breaker.yaml");
            Assert.True(r.ExitCode == 0, $"run {i}: {r.Stdout}{r.Stderr}"); // the fallback steps handled the failure
            JsonElement doc = Json(r);
            Assert.Equal(["use_cache", "read_only_mode"], doc.GetProperty("degradations").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal(i <= 5 ? "failed" : "short-circuited", States(doc)["database_dependent_task"]);
        }

        Assert.Equal(5, Calls().Count(c => c == "sysctl database migrate --env production")); // the sixth was short-circuited
        Assert.Equal(6, Calls().Count(c => c == "sysctl maintenance enable --message Database maintenance"));
        Assert.Equal(6, Calls().Count(c => c == "sysctl notify --message Database operations failed, maintenance mode enabled"));

        // fanout breaker list shows it open; reset closes it, so the next run tries the migration again.
        JsonElement listed = JsonDocument.Parse((await Fanout(null, "breaker", "list", "-o", "json", "--store", Store)).Stdout).RootElement.GetProperty("breakers")[0];
        Assert.Equal(("circuit-breaker", "database_operations", "open"), (listed.GetProperty("workflow").GetString(), listed.GetProperty("name").GetString(), listed.GetProperty("state").GetString()));
        FanoutProcess.Result reset = await Fanout(null, "breaker", "reset", "database_operations", "--store", Store);
        Assert.True(reset.ExitCode == 0, reset.Stderr);
        Assert.Contains("reset: closed (was open", reset.Stdout);
        Assert.Equal(2, (await Fanout(null, "breaker", "reset", "nope", "--store", Store)).ExitCode);
        Assert.Contains("closed", (await Fanout(null, "breaker", "list", "--store", Store)).Stdout);
        await RunFailing("database migrate", "circuit-breaker.yaml");
        Assert.Equal(6, Calls().Count(c => c == "sysctl database migrate --env production"));
    }

    [Fact(Timeout = 120000)]
    public async Task Run_WithMetrics_RecordsCustomAndStepMetrics()
    {
        FanoutProcess.Result r = await Run("with-metrics.yaml");

        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Equal(["sysctl deploy api --env production"], Calls());
        await using var store = await OpenStoreAsync();
        var metrics = await store.Workflows!.GetMetricsAsync(Json(r).GetProperty("runId").GetString()!, CancellationToken.None);
        Assert.Contains(metrics, m => m.Name == "deployment_duration" && m.Type == "histogram");
        Assert.Contains(metrics, m => m.Name == "success_rate" && m.Type == "counter");
        Assert.Contains(metrics, m => m.Name == "fanout_workflow_step_success" && m.Value == 1 && m.Labels.Contains("service=api", StringComparison.Ordinal) && m.Labels.Contains("environment=production", StringComparison.Ordinal));
        Assert.Contains(metrics, m => m.Name == "fanout_workflow_step_duration_seconds");

        // metrics.collectors: 'prometheus' is the store (above, exported on /metrics); 'grafana', a channel of the config,
        // received the run's metrics as one 'metrics' event.
        string[] grafana = [.. File.ReadAllLines(_notifications + ".grafana").Where(l => l.Length > 0)];
        JsonElement sent = JsonDocument.Parse(Assert.Single(grafana)).RootElement;
        Assert.Equal("metrics", sent.GetProperty("event").GetString());
        Assert.Equal("with-metrics", sent.GetProperty("workflow").GetString());
        JsonElement sentMetrics = sent.GetProperty("figures").GetProperty("metrics");
        Assert.Contains(sentMetrics.EnumerateArray(), m => m.GetProperty("name").GetString() == "fanout_workflow_step_success" && m.GetProperty("value").GetDouble() == 1);
        Assert.Contains(sentMetrics.EnumerateArray(), m => m.GetProperty("name").GetString() == "deployment_duration" && m.GetProperty("type").GetString() == "histogram"
            && m.GetProperty("description").GetString() == "Time taken for deployment");
        Assert.Equal(1, sent.GetProperty("figures").GetProperty("succeeded_steps").GetInt32());
    }

    [Fact(Timeout = 120000)]
    public async Task Run_WithMetrics_CollectorThatIsNoConfiguredChannel_WarnsAtValidationAndIsAnnotatedOnTheRun()
    {
        string config = Path.Combine(_dir, "no-grafana.yaml");
        File.WriteAllText(config, "notifications: {channels: {slack: {command: 'true'}}}\n");
        var env = new Dictionary<string, string> { ["FANOUT_CONFIG"] = config };

        FanoutProcess.Result validated = await Fanout(env, "validate", Seed("with-metrics.yaml"));
        Assert.True(validated.ExitCode == 0, validated.Stdout + validated.Stderr);
        Assert.Contains("with-metrics.yaml:9:7: warning: metrics collector 'grafana' is neither 'prometheus', a run figure nor a channel of Fanout's config", validated.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("'prometheus' is neither", validated.Stdout, StringComparison.Ordinal);

        FanoutProcess.Result r = await Fanout(env, "run", Seed("with-metrics.yaml"), "--store", Store, "-o", "json");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        await using var store = await OpenStoreAsync();
        var annotations = await store.Workflows!.GetAnnotationsAsync(Json(r).GetProperty("runId").GetString()!, CancellationToken.None);
        Assert.Contains(annotations, a => a.Kind == "metrics" && a.Message.Contains("metrics collector 'grafana' is not a channel of Fanout's config", StringComparison.Ordinal));
    }

    [Fact(Timeout = 180000)]
    public async Task Run_BestPractice_ValidationPrerequisitesHooks_AndEveryMonitoringSwitch()
    {
        // validation: rules stop the run (exit 2, nothing runs).
        FanoutProcess.Result invalid = await Run("best-practice-example.yaml", "-e", "development", "--set", "services=api");
        Assert.Equal(2, invalid.ExitCode);
        Assert.Contains("Environment must be staging or production", invalid.Stderr);
        Assert.Empty(Calls());

        FanoutProcess.Result ok = await Run("best-practice-example.yaml", "-e", "staging", "--set", "services=api");

        Assert.True(ok.ExitCode == 0, ok.Stdout + ok.Stderr);
        Assert.Equal(
            [
                "kubectl auth can-i create deployments --namespace staging",
                "sysctl backup verify --within 24h --env staging",
                "sysctl health --all --env staging",
                "sysctl resources check --required-capacity 80% --env staging",
                "sysctl cleanup --keep-last 3 --env staging",
                "sysctl docs update --deployment-log --env staging",
            ],
            Calls());
        JsonElement doc = Json(ok);
        Assert.Equal("health checks: 1 passed, 0 failed (pre_deployment_validation/health_check succeeded)", doc.GetProperty("health").GetString());
        string runId = doc.GetProperty("runId").GetString()!;
        await using (var store = await OpenStoreAsync())
        {
            var metrics = await store.Workflows!.GetMetricsAsync(runId, CancellationToken.None); // metrics_collection
            Assert.Contains(metrics, m => m.Name == "fanout_workflow_deployment_duration");
            Assert.Contains(metrics, m => m.Name == "fanout_workflow_success_rate" && m.Value == 100);
            var notes = await store.Workflows!.GetAnnotationsAsync(runId, CancellationToken.None);
            Assert.Contains(notes, n => n.Kind == "health");
        }

        string[] aggregated = File.ReadAllLines(_aggregated); // log_aggregation: one JSON line per step
        Assert.Contains(aggregated, l => l.Contains("\"step\":\"pre_deployment_validation/health_check\"", StringComparison.Ordinal) && l.Contains("\"output\":\"ok: health --all --env staging\"", StringComparison.Ordinal));
        Assert.All(aggregated, l => Assert.Equal(runId, JsonDocument.Parse(l).RootElement.GetProperty("runId").GetString()));
        Assert.Empty(Sent()); // no notifications: block, and it succeeded

        // alert_on_failure: a failed run sends 'failed' to the configured channels although the workflow names none.
        File.Delete(_log);
        FanoutProcess.Result failed = await RunFailing("^resources check", "best-practice-example.yaml", "-e", "production", "--set", "services=api");
        Assert.Equal(1, failed.ExitCode);
        Assert.True(IndexOf("sysctl resources check --required-capacity 80% --env production") < IndexOf("sysctl debug collect --output debug-best-practice-deployment.tar.gz"));
        Assert.Contains("sysctl incident create --title Deployment failure --workflow best-practice-deployment", Calls());
        string[] sent = Sent();
        Assert.Equal(2, sent.Length); // slack and email
        Assert.All(sent, l => Assert.Contains("\"event\":\"failed\"", l));
    }
}
