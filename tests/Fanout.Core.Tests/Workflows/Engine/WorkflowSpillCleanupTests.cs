using Fanout.Output;
using Fanout.Runs;
using Fanout.Workflows.Engine;
using static Fanout.Core.Tests.Workflows.Engine.EngineHarness;

namespace Fanout.Core.Tests.Workflows.Engine;

/// <summary>
/// Issue 11 / SPEC X12: a workflow run's steps spill long outputs like <c>fanout exec</c> does, and nothing of the run stays
/// under the spill root once it has ended — in a long-lived process (<c>fanout serve</c>) too, not only at process exit.
/// </summary>
public sealed class WorkflowSpillCleanupTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-wfspill-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact(Timeout = 60000)]
    public async Task RunAsync_StepWithLongOutput_SpillsWhileRunning_AndLeavesNothingOnceEnded()
    {
        string runId = "wfspill-" + Guid.NewGuid().ToString("N");
        string seen = Path.Combine(_dir, "seen");
        string yaml = $$"""
            name: spill
            steps:
              - name: big
                command: "seq 1 200000"
              - name: look
                depends_on: [big]
                command: "ls -d {{SpillDirectory.DefaultRoot}}/{{runId}}.* > {{seen}}"
            """;

        WorkflowRunResult result = await new WorkflowRunner().RunAsync(new WorkflowRunRequest { Workflow = Parse(yaml), RunId = runId }, CancellationToken.None);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.NotEmpty(File.ReadAllText(seen).Trim()); // the big step's output was spilled, under the run's spill directory
        Assert.Empty(Directory.GetDirectories(SpillDirectory.DefaultRoot, runId + ".*"));
    }
}
