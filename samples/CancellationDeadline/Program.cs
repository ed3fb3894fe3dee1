// Cancellation with a deadline (SPEC X5, X7): an overall timeout plus a caller's token. Running
// targets are asked to stop, then abandoned after the grace period; partial results are returned.
using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;

List<Target> targets = [.. Enumerable.Range(1, 12).Select(i => new Target { Name = $"node{i:D2}" })];
IOperation slow = Operation.FromDelegate("slow-job", async (target, ct) =>
{
    if (target.Name == "node04")
    {
        // A stubborn operation that ignores its token: it is abandoned after the grace period.
        await Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None);
        return OperationResult.Succeeded();
    }

    // The first three are quick and finish well before the deadline (even on a busy machine); the rest are long and are
    // stopped by it, or never start.
    bool quick = target.Name is "node01" or "node02" or "node03";
    await Task.Delay(quick ? TimeSpan.FromMilliseconds(50) : TimeSpan.FromSeconds(3), ct);
    return OperationResult.Succeeded();
});

var options = new ExecutionOptions
{
    MaxConcurrency = 4,
    Timeout = TimeSpan.FromSeconds(10),
    OverallTimeout = TimeSpan.FromSeconds(1),
    CancellationGracePeriod = TimeSpan.FromMilliseconds(200),
};
using var ctrlC = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    ctrlC.Cancel();
};

BatchResult result = await new BatchExecutor(options).ExecuteAsync(slow, targets, cancellationToken: ctrlC.Token);
Console.WriteLine($"cancelled: {result.Cancelled}, reason: {result.StopReason}");
foreach (TargetState state in Enum.GetValues<TargetState>())
{
    Console.WriteLine($"  {state.ToWireName(),-9} {result.Count(state)}");
}

foreach (TargetOutcome o in result.Outcomes.Where(o => o.State == TargetState.Cancelled))
{
    Console.WriteLine($"  {o.Target}: {o.Error}");
}

// The sample succeeds when the deadline did its job: some finished, the rest were stopped or not run.
return result.Cancelled && result.Count(TargetState.Succeeded) > 0 && result.Count(TargetState.NotRun) > 0 ? 0 : 1;
