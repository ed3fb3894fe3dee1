using System.Reflection;
using Fanout.Execution;
using Fanout.Runs;

namespace Fanout.Storage.Tests;

public abstract partial class RunStoreTests
{
    [Fact(Timeout = 30000)]
    public async Task Write_ByAnOwnerThatLostTheRun_IsRefusedWhole_AndTheNewOwnersWritesStand()
    {
        IRunStore store = await OpenAsync();
        await store.CreateRunAsync(NewRun("r"), Targets("a", "b"), CancellationToken.None);
        RunWriteBatch Batch(string host, int pid, AttemptState state) => new()
        {
            RunId = "r",
            Attempts = [Attempt("r", "a", 1, state)],
            Events = [],
            OwnerHost = host,
            OwnerPid = pid,
        };

        await store.WriteAsync(Batch("HOST-A", 4242, AttemptState.Running), CancellationToken.None); // host names compare without case

        // Another process takes the run over (a coordinator's takeover interrupts it, then resumes it as its new owner).
        Assert.True(await store.InterruptRunAsync("r", "host-a", 4242, "interrupted: its coordinator was declared dead", CancellationToken.None));
        Assert.True(await store.ReopenRunAsync("r", "host-b", 77, T0.AddMinutes(1), CancellationToken.None));
        await store.WriteAsync(Batch("host-b", 77, AttemptState.Succeeded), CancellationToken.None);

        // The old owner's late write is refused whole: its attempt row and its counts do not overwrite the new owner's.
        RunOwnershipLostException e = await Assert.ThrowsAsync<RunOwnershipLostException>(() => store.WriteAsync(
            Batch("host-a", 4242, AttemptState.Failed) with { Counts = new RunCounts(2, 0, 2, 0, 0, 0, 0) }, CancellationToken.None));
        Assert.Equal("r", e.RunId);
        Assert.Contains("now owned by pid 77 on host-b", e.Message, StringComparison.Ordinal);
        TargetAttemptRecord a = Assert.Single(await store.GetAttemptsAsync("r", new AttemptQuery { Target = "a" }, CancellationToken.None));
        Assert.Equal(AttemptState.Succeeded, a.State);
        Assert.Equal(0, (await store.GetRunAsync("r", CancellationToken.None))!.Counts.Failed);

        // An unguarded write (no owner named) is not fenced, as before.
        await store.WriteAsync(new RunWriteBatch { RunId = "r", Attempts = [Attempt("r", "b", 1, AttemptState.Running)] }, CancellationToken.None);
    }

    [Fact(Timeout = 30000)]
    public async Task Recorder_AfterAWriteFailed_LaterStartsFailAtOnce_InsteadOfWaitingForever()
    {
        IRunStore inner = await OpenAsync();
        await inner.CreateRunAsync(NewRun("r"), Targets("a", "b", "c"), CancellationToken.None);
        IRunStore store = FailingWrites.Wrap(inner, succeed: 1);
        await using var recorder = new RunRecorder(store, "r", 3, new RunRecorderOptions { StartLookahead = 0 }, Time);

        await recorder.MarkStartedAsync("a", 1, 1, CancellationToken.None); // the one write that succeeds
        FanoutException first = await Assert.ThrowsAnyAsync<FanoutException>(() => recorder.MarkStartedAsync("b", 1, 1, CancellationToken.None).AsTask());
        Assert.Contains("recording run r failed: the disk is gone", first.Message, StringComparison.Ordinal);

        // The writer is gone now: a start after it must not wait for it (this hung a clustered run forever before).
        FanoutException later = await Assert.ThrowsAnyAsync<FanoutException>(() => recorder.MarkStartedAsync("c", 1, 1, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("recording run r failed: the disk is gone", later.Message, StringComparison.Ordinal);
        Assert.Equal(["a"], (await inner.GetAttemptsAsync("r", null, CancellationToken.None)).Select(x => x.Target));
    }

    /// <summary>A store whose writes fail after the first <c>succeed</c> ones (the rest of the store is real).</summary>
    public class FailingWrites : DispatchProxy
    {
        private IRunStore _inner = null!;
        private int _succeed;

        internal static IRunStore Wrap(IRunStore inner, int succeed)
        {
            IRunStore proxy = Create<IRunStore, FailingWrites>();
            var self = (FailingWrites)(object)proxy;
            self._inner = inner;
            self._succeed = succeed;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            return targetMethod.Name == nameof(IRunStore.WriteAsync) && Interlocked.Decrement(ref _succeed) < 0
                ? Task.FromException(new IOException("the disk is gone"))
                : targetMethod.Invoke(_inner, args);
        }
    }
}
