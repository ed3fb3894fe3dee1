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
}
