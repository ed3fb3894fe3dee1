using Fanout.Cluster.Dispatch;
using Fanout.Cluster.Workers;
using Fanout.Runs;
using Fanout.Workflows;
using Fanout.Workflows.Engine;
using Microsoft.Extensions.DependencyInjection;

namespace Fanout.Storage.Tests.Cluster;

/// <summary>
/// Issue 15: a workflow run's fan-out steps lease their targets to the cluster's workers (docs/scale-out.md "Workflow runs"),
/// with Orleans' in-process test cluster over a real PostgreSQL and real local processes as targets.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class WorkflowOnWorkersTests(PostgresCluster postgres) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-wf-workers-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact(Timeout = 300000)]
    public async Task FanOutSteps_RunOnTheWorkers_WithTheirRenderedCommandsEnvironmentAndScripts_PlainStepsStayHere()
    {
        string url = await postgres.CreateDatabaseAsync();
        await using IFanoutStore store = await StoreFactory.OpenAsync(url, CancellationToken.None);
        string connectionString = StoreLocation.ToConnectionString(url).ConnectionString;
        await using InProcessFanoutCluster cluster = await InProcessFanoutCluster.StartAsync(connectionString, maxTargets: 4);
        IServiceProvider coordinator = cluster.Silos[0].ServiceProvider;
        WorkerRuntime[] runtimes = [.. cluster.Silos.Select(s => s.ServiceProvider.GetRequiredService<WorkerRuntime>())];

        string inventory = Path.Combine(_dir, "inventory.yaml");
        await File.WriteAllLinesAsync(inventory, ["defaults: {transport: local}", "targets:", .. Enumerable.Range(1, 12).Select(i => $"  t{i:000}: {{}}")]);
        Fanout.Inventory.Inventory loaded = await new RunService().LoadInventoryAsync([inventory], CancellationToken.None);
        string file = Path.Combine(_dir, "spread.yaml");
        await File.WriteAllTextAsync(file, """
            name: spread
            steps:
              - name: greet
                targets: {pattern: "t*", parallel: 6}
                env: {GREETING: "hello there"}
                working_dir: /tmp
                command: echo "$GREETING {{ .target.name }} in $(pwd)"
              - name: check
                depends_on: [greet]
                targets: {pattern: "t00*"}
                script: |
                  echo "script on $FANOUT_TARGET"
              - name: local
                depends_on: [check]
                command: echo local step
            """);
        WorkflowParseResult parsed = WorkflowParser.ParseFile(file);
        Assert.True(parsed.Workflow is not null, string.Join("; ", parsed.Diagnostics));
        long before = runtimes.Sum(r => r.Completed);

        RunDefinition definition = RunDefinition.ForWorkflow(new RecordedWorkflow { File = file }, [inventory]);
        var runner = new WorkflowRunner(new WorkflowRunnerOptions
        {
            Inventory = loaded,
            TargetDispatcher = coordinator.GetRequiredService<IRunDistributor>().ForWorkflow(definition),
        });
        WorkflowRunResult result = await runner.RunAsync(new WorkflowRunRequest { Workflow = parsed.Workflow! }, CancellationToken.None);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        StepResult greet = result.Step("greet")!;
        Assert.Equal(12, greet.TargetOutputs.Count);
        Assert.All(greet.TargetOutputs, o => Assert.Equal($"hello there {o.Key} in /tmp", o.Value.Trim()));
        StepResult check = result.Step("check")!;
        Assert.Equal(9, check.TargetOutputs.Count); // t001..t009
        Assert.All(check.TargetOutputs, o => Assert.Equal($"script on {o.Key}", o.Value.Trim()));
        Assert.Equal("local step", result.Step("local")!.Output?.Trim());

        // Every target of the two fan-out steps ran on a worker silo (12 + 9 leases), on more than one of them; the plain step
        // ran here, in the workflow engine's process, not on a worker.
        Assert.Equal(21, runtimes.Sum(r => r.Completed) - before);
        Assert.True(runtimes.Count(r => r.Completed > 0) >= 2, string.Join(", ", runtimes.Select(r => r.Completed)));
    }
}
