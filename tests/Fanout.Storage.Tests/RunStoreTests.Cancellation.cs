using Fanout.Execution;
using Fanout.Operations;
using Fanout.Runs;

namespace Fanout.Storage.Tests;

public abstract partial class RunStoreTests
{
    [Fact(Timeout = 30000)]
    public async Task RequestCancel_RunningRun_StoredOnceForTheOwner_ClearedByResume()
    {
        IRunStore store = await OpenAsync();
        await store.CreateRunAsync(NewRun("r"), Targets("a"), CancellationToken.None);
        Assert.Null(await store.GetCancelRequestAsync("r", CancellationToken.None));

        Assert.True(await store.RequestCancelAsync("r", "alice@host", CancellationToken.None));
        Assert.True(await store.RequestCancelAsync("r", "bob@host", CancellationToken.None)); // a second request is harmless

        CancelRequest request = (await store.GetCancelRequestAsync("r", CancellationToken.None))!;
        Assert.Equal("alice@host", request.Actor);
        await store.FinishRunAsync("r", RunStatus.Cancelled, T0.AddSeconds(5), RunCounts.Empty, "cancelled", CancellationToken.None);
        Assert.False(await store.RequestCancelAsync("r", "alice@host", CancellationToken.None)); // ended: nothing to cancel
        Assert.True(await store.ReopenRunAsync("r", "host-a", 4242, T0.AddMinutes(1), CancellationToken.None));
        Assert.Null(await store.GetCancelRequestAsync("r", CancellationToken.None)); // a resumed run starts afresh
        Assert.False(await store.RequestCancelAsync("missing", "alice@host", CancellationToken.None));
    }

    [Fact(Timeout = 30000)]
    public async Task RequestCancel_QueuedRun_KeptWhenTheRunStarts_ClearedOnlyByAResume()
    {
        IRunStore store = await OpenAsync();
        await store.CreateRunAsync(NewRun("q") with { Status = RunStatus.Queued, LeaseExpiresAt = null }, Targets("a"), CancellationToken.None);
        Assert.True(await store.RequestCancelAsync("q", "alice@host", CancellationToken.None)); // e.g. through another server instance

        Assert.True(await store.ReopenRunAsync("q", "host-a", 4242, T0.AddMinutes(1), CancellationToken.None)); // its owner starts it
        Assert.Equal("alice@host", (await store.GetCancelRequestAsync("q", CancellationToken.None))?.Actor);
        Assert.Equal(0, (await store.GetRunAsync("q", CancellationToken.None))!.ResumeCount);
    }

    [Fact(Timeout = 60000)]
    public async Task RunService_QueuedRunCancelledThroughTheStore_StopsAsItStarts_AndNoTargetRuns()
    {
        IRunStore store = await OpenAsync();
        string inventory = Path.Combine(TempDirectory, "inventory.yaml");
        string ran = Path.Combine(TempDirectory, "ran");
        await File.WriteAllLinesAsync(inventory, ["defaults: {transport: local}", "targets:", "  a: {}", "  b: {}"]);
        var runs = new RunService(store: store);
        Fanout.Inventory.Inventory loaded = await runs.LoadInventoryAsync([inventory], CancellationToken.None);
        IOperation operation = RunDefinition.ForCommandLine($"sleep 2; touch {ran}.$FANOUT_TARGET").CreateOperation();
        var request = new RunRequest
        {
            Operation = operation,
            Targets = loaded.Targets,
            Options = new ExecutionOptions(),
            Definition = RunDefinition.Describe(operation, [inventory], new Fanout.Selection.SelectionCriteria(), new ExecutionOptions())! with { Targets = ["a", "b"] },
            RunId = "queued-run",
            Kind = "exec",
        };
        await runs.RecordQueuedAsync(request, CancellationToken.None);
        Assert.True(await store.RequestCancelAsync("queued-run", "bob@other", CancellationToken.None));

        BatchResult result = await runs.ExecuteAsync(request with { Queued = true }, null, CancellationToken.None);

        RunRecord run = (await store.GetRunAsync("queued-run", CancellationToken.None))!;
        Assert.Equal(RunStatus.Cancelled, run.Status);
        Assert.Equal("cancelled by bob@other", run.StopReason);
        Assert.All(result.Outcomes, o => Assert.NotEqual(TargetState.Succeeded, o.State));
        await Task.Delay(2500); // long enough for a target that had started to finish its sleep and touch its file
        Assert.False(File.Exists($"{ran}.a"));
        Assert.False(File.Exists($"{ran}.b"));
    }
}
