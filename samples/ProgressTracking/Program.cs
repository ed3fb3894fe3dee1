// Progress tracking (SPEC C3): callbacks, an event stream and a live snapshot.
using Fanout.Events;
using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;

List<Target> targets = [.. Enumerable.Range(1, 20).Select(i => new Target { Name = $"web{i:D2}" })];
IOperation work = Operation.FromDelegate("sleep", async (target, ct) =>
{
    await Task.Delay(TimeSpan.FromMilliseconds(20 + (target.Name.GetHashCode() & 31)), ct);
    return OperationResult.Succeeded();
});

var tracker = new ProgressTracker();
tracker.OnTargetFinished((outcome, completed, total) =>
    Console.WriteLine($"[{completed,2}/{total}] {outcome.Target,-6} {outcome.State.ToWireName(),-9} wave {outcome.Wave}"));

// An asynchronous reader: it could be slow (a database, a socket) without slowing the run.
IAsyncEnumerable<RunEvent> events = tracker.ReadAllAsync();
Task<int> counting = Task.Run(async () =>
{
    int n = 0;
    await foreach (RunEvent e in events)
    {
        n++;
    }

    return n;
});

var executor = new BatchExecutor(new ExecutionOptions { MaxConcurrency = 4, BatchSizes = [WaveSize.Parse("25%")] });
Task<BatchResult> run = executor.ExecuteAsync(work, targets, tracker);
while (!run.IsCompleted)
{
    ProgressSnapshot now = tracker.Snapshot(slowest: 2);
    Console.WriteLine($"  wave {now.Wave}/{now.WaveCount}, {now.Completed}/{now.Total} done, running: {string.Join(", ", now.Slowest.Select(r => r.Target))}");
    await Task.WhenAny(run, Task.Delay(50));
}

BatchResult result = await run;
Console.WriteLine($"{result.Count(TargetState.Succeeded)} of {result.Total} succeeded; {await counting} events streamed (last #{tracker.LastSequence})");
return result.AllSucceeded ? 0 : 1;
