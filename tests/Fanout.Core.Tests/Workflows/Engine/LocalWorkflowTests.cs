using System.Globalization;
using Fanout.Core.Tests.Support;
using Fanout.Runs;
using Fanout.Transports;
using Fanout.Workflows;
using Fanout.Workflows.Engine;
using Fanout.Workflows.Parameters;
using static Fanout.Core.Tests.Workflows.Engine.EngineHarness;

namespace Fanout.Core.Tests.Workflows.Engine;

/// <summary>Real workflows run as local processes: stand-in commands log their arguments and timestamps.</summary>
public sealed class LocalWorkflowTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-engine-").FullName;

    public LocalWorkflowTests()
    {
        // The stand-in: logs "<name> start|end <ns>" around an optional sleep, prints its arguments one per line, exits with $EXIT.
        File.WriteAllText(Standin, """
            #!/bin/sh
            name=$1; shift
            echo "$name start $(date +%s%N)" >> "$LOG"
            [ -n "$SLEEP" ] && sleep "$SLEEP"
            for a in "$@"; do printf '<%s>\n' "$a" >> "$ARGS"; done
            echo "$name end $(date +%s%N)" >> "$LOG"
            exit "${EXIT:-0}"
            """);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Standin, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private string Standin => Path.Combine(_dir, "standin.sh");

    private string Log => Path.Combine(_dir, "log");

    private string Args => Path.Combine(_dir, "args");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Task<WorkflowRunResult> RunLocalAsync(string yaml, IReadOnlyList<string>? set = null, WorkflowRunnerOptions? options = null)
    {
        var workflow = Parse(yaml);
        ParameterBindingResult binding = ParameterBinder.Bind(workflow, new ParameterInputs { Set = [$"standin={Standin}", $"log={Log}", $"args={Args}", .. set ?? []] });
        Assert.True(binding.Success, string.Join("; ", binding.Errors));
        return new WorkflowRunner(options ?? new WorkflowRunnerOptions()).RunAsync(new WorkflowRunRequest { Workflow = workflow, Parameters = binding.Values, SecretValues = binding.SecretValues }, CancellationToken.None);
    }

    private Dictionary<string, (long Start, long End)> Timeline() =>
        File.ReadAllLines(Log).Select(l => l.Split(' ')).GroupBy(p => p[0])
            .ToDictionary(g => g.Key, g => (long.Parse(g.First(p => p[1] == "start")[2], CultureInfo.InvariantCulture), long.Parse(g.First(p => p[1] == "end")[2], CultureInfo.InvariantCulture)));

    [Fact(Timeout = 30000)]
    public async Task RunAsync_ParallelDagOfProcesses_TimestampsShowLimitAndDependencies()
    {
        WorkflowRunResult result = await RunLocalAsync("""
            name: dag
            steps:
              - name: g
                parallel: true
                parallel_limit: 2
                steps:
                  - {name: a, command: "{{ .standin }} a", env: {LOG: "{{ .log }}", ARGS: "{{ .args }}", SLEEP: "0.4"}}
                  - {name: b, command: "{{ .standin }} b", env: {LOG: "{{ .log }}", ARGS: "{{ .args }}", SLEEP: "0.4"}}
                  - {name: c, command: "{{ .standin }} c", depends_on: [a], env: {LOG: "{{ .log }}", ARGS: "{{ .args }}"}}
            """);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        var t = Timeline();
        Assert.True(t["b"].Start < t["a"].End && t["a"].Start < t["b"].End, "a and b overlap");
        Assert.True(t["c"].Start >= t["a"].End, "c starts after a");
    }

    [Theory(Timeout = 30000)]
    [InlineData("'; rm -rf / #")]
    [InlineData("$(touch PWNED)")]
    [InlineData("`touch PWNED`")]
    [InlineData("a\nb; touch PWNED")]
    [InlineData("x' \"y\" $HOME")]
    public async Task RunAsync_HostileSetValue_ArrivesAsOneLiteralArgument(string value)
    {
        WorkflowRunResult result = await RunLocalAsync("""
            name: quoting
            parameters: [{name: value}]
            steps:
              - name: s
                command: "{{ .standin }} s {{ .value }}"
                working_dir: "{{ .dir }}"
                env: {LOG: "{{ .log }}", ARGS: "{{ .args }}"}
            """, [$"value={value}", $"dir={_dir}"]);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal("<" + value + ">\n", File.ReadAllText(Args));
        Assert.False(File.Exists(Path.Combine(_dir, "PWNED")));
    }

    [Fact(Timeout = 30000)]
    public async Task RunAsync_ListParameter_BecomesSeparatelyQuotedWords()
    {
        await RunLocalAsync("""
            name: list
            parameters: [{name: services, type: list}]
            steps: [{name: s, command: "{{ .standin }} s {{ .services }}", env: {LOG: "{{ .log }}", ARGS: "{{ .args }}"}}]
            """, ["services=api,my worker"]);

        Assert.Equal("<api>\n<my worker>\n", File.ReadAllText(Args));
    }

    [Fact(Timeout = 30000)]
    public async Task RunAsync_SecretParameter_IsMaskedInOutputsErrorsAndTheStore()
    {
        var store = new MemoryWorkflowStore();
        WorkflowRunResult result = await RunLocalAsync("""
            name: secrets
            parameters: [{name: token, secret: true}]
            steps:
              - {name: show, command: "echo token={{ .token }}", capture_output: shown}
              - {name: fail, command: "echo {{ .token }} >&2; echo oops {{ .token }}; exit 3"}
            """, ["token=s3cr3t-value"], new WorkflowRunnerOptions { Store = store });

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal("token=***", result.Step("show", StepState.Succeeded).Output);
        Assert.Equal("token=***", result.Outputs["shown"]);
        string everything = string.Join("\n",
            result.Steps.Select(s => $"{s.Output} {s.Error}")
                .Concat(store.Attempts.Select(a => $"{a.Stdout} {a.Stderr} {a.Error}"))
                .Concat(store.Steps.Values.Select(s => $"{s.Output} {s.Capture} {s.Error}"))
                .Concat(store.Events.Select(e => e.Payload))
                .Concat(store.Runs.Values.Select(r => $"{r.Parameters} {r.StopReason}")));
        Assert.DoesNotContain("s3cr3t-value", everything);
        Assert.Contains("***", store.Runs.Values.Single().Parameters);
        Assert.Contains(store.Attempts, a => a.Stderr?.Contains("***", StringComparison.Ordinal) == true);
    }

    [Fact(Timeout = 30000)]
    public async Task RunAsync_TargetsStep_FansOutAndCapturesAMapPerTarget()
    {
        string inventoryFile = Path.Combine(_dir, "inventory.yaml");
        File.WriteAllText(inventoryFile, """
            defaults: {transport: local}
            targets:
              web-01: {tags: {role: web}}
              web-02: {tags: {role: web}}
              db-01: {tags: {role: db}}
            """);
        var inventory = await Fanout.Inventory.InventoryLoader.LoadAsync([inventoryFile], CancellationToken.None);
        var events = new List<Fanout.Events.RunEvent>();
        var progress = new Fanout.Events.ProgressTracker();
        progress.OnEvent(e => { lock (events) { events.Add(e); } });
        WorkflowRunResult result = await RunLocalAsync("""
            name: fanout
            steps:
              - name: hostnames
                command: "echo {{ .target.name }}-$FANOUT_TARGET"
                targets: {tag: "role=web", batch_size: 1, parallel: 2}
                capture_output: names
              - name: use
                command: "echo {{ index .outputs.names \"web-02\" }}"
            """, options: new WorkflowRunnerOptions { Inventory = inventory, Progress = progress });

        Assert.Equal(RunStatus.Succeeded, result.Status);
        var names = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(result.Outputs["names"]);
        Assert.Equal(new Dictionary<string, object?> { ["web-01"] = "web-01-web-01", ["web-02"] = "web-02-web-02" }, names.ToDictionary());
        Assert.Equal("web-02-web-02", result.Step("use", StepState.Succeeded).Output);
        // One event stream: each target of the fan-out step is a unit STEP/TARGET, numbered in sequence with the step events.
        Assert.Equal(["hostnames/web-01", "hostnames/web-02"], events.OfType<Fanout.Events.TargetFinished>().Where(e => e.Step == "hostnames").Select(e => e.Outcome.Target).Order());
        Assert.Contains(events, e => e is Fanout.Events.StepFinished { Path: "hostnames", Targets: 2, FailedTargets.Count: 0 });
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.IsType<Fanout.Events.RunFinished>(events[^1]);
    }

    [Theory(Timeout = 30000)]
    [InlineData("80", StepState.Succeeded)]
    [InlineData("20", StepState.Failed)]
    public async Task RunAsync_DynamicScript_IsRenderedWithTheContextAndItsExitCodeDecides(string score, StepState expected)
    {
        WorkflowRunResult result = await RunLocalAsync($$$"""
            name: dynamic
            steps:
              - {name: measure, command: "echo {{{score}}}", capture_output: score}
              - name: decide
                dynamic: true
                script: |
                  #!/bin/sh
                  {{ if gt (.outputs.score | fromJSON) 50 }}echo healthy; exit 0{{ else }}echo degraded; exit 4{{ end }}
            """);

        StepResult decide = result.Step("decide", expected);
        Assert.Equal(expected == StepState.Succeeded ? 0 : 4, decide.ExitCode);
    }

    [Fact(Timeout = 30000)]
    public async Task RunAsync_StepTimeout_TimesOutTheProcess()
    {
        WorkflowRunResult result = await RunLocalAsync("""
            name: slow
            steps: [{name: s, command: sleep 20, timeout: 1s}]
            """);

        Assert.Contains("timed out", result.Step("s", StepState.TimedOut).Error);
        Assert.True(result.Duration < TimeSpan.FromSeconds(10));
    }

    [Fact(Timeout = 30000)]
    public async Task RunAsync_OverallTimeout_StopsTheRunAndStillRunsFailureHooks()
    {
        WorkflowRunResult result = await RunLocalAsync("""
            name: overall
            steps:
              - {name: slow, command: sleep 20}
              - {name: never, command: echo never}
            on_failure: [{name: cleanup, command: echo cleaned}]
            """, options: new WorkflowRunnerOptions { Timeout = TimeSpan.FromSeconds(1) });

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Contains("timed out after", result.Error);
        result.Step("never", StepState.NotRun);
        Assert.Equal("cleaned", result.Step("on_failure/cleanup", StepState.Succeeded).Output);
        Assert.True(result.Duration < TimeSpan.FromSeconds(15));
    }

    [Fact(Timeout = 30000)]
    public async Task RunAsync_Cancelled_ReportsCancelledWithoutThrowing()
    {
        using var cts = new CancellationTokenSource();
        var workflow = Parse("name: c\nsteps: [{name: slow, command: sleep 20}, {name: next, command: echo next}]");
        var options = new WorkflowRunnerOptions { Progress = new Fanout.Events.ProgressTracker() };
        options.Progress.OnEvent(e => { if (e is Fanout.Events.StepStarted) { cts.CancelAfter(200); } });

        WorkflowRunResult result = await new WorkflowRunner(options).RunAsync(new WorkflowRunRequest { Workflow = workflow }, cts.Token);

        Assert.Equal(RunStatus.Cancelled, result.Status);
        Assert.NotEqual(StepState.Succeeded, result.Step("next")?.State ?? StepState.NotRun);
    }

    [Fact(Timeout = 30000)]
    public async Task RunAsync_SeveralStepsOnOneHost_ReuseOneSession()
    {
        var transport = new FakeTransport("local");
        WorkflowRunResult result = await RunLocalAsync("""
            name: sessions
            steps:
              - {name: a, command: echo a}
              - {name: b, command: echo b}
              - name: g
                parallel: true
                steps: [{name: c, command: echo c}, {name: d, command: echo d}]
            """, options: new WorkflowRunnerOptions { Transports = new TransportRegistry().Register(transport) });

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal(1, transport.Opened);
        Assert.Equal(0, transport.Open);
    }

    [Fact(Timeout = 30000)]
    public async Task CheckAsync_FailedValidationOrPrerequisite_ReportsEveryProblem()
    {
        var workflow = Parse("""
            name: checks
            parameters: [{name: threshold, type: number}]
            validation:
              - {name: range, expression: ".threshold <= 100", message: "threshold {{ .threshold }} is over 100"}
            prerequisites:
              - {name: tool, command: "command -v no-such-tool-xyz"}
              - {name: sh, command: "command -v sh"}
            steps: [{name: s, command: echo s}]
            """);

        IReadOnlyList<string> problems = await new WorkflowRunner().CheckAsync(new WorkflowRunRequest { Workflow = workflow, Parameters = new Dictionary<string, object?> { ["threshold"] = 150L } }, CancellationToken.None);
        Assert.Equal(["validation 'range' failed: threshold 150 is over 100"], problems);

        problems = await new WorkflowRunner().CheckAsync(new WorkflowRunRequest { Workflow = workflow, Parameters = new Dictionary<string, object?> { ["threshold"] = 50L } }, CancellationToken.None);
        Assert.Single(problems);
        Assert.StartsWith("prerequisite 'tool' failed", problems[0]);
    }
}
