// Partial failure: retries with backoff inside the run, then a second run over exactly the
// targets that did not succeed (what `fanout retry RUN_ID --failed` does).
using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;

List<Target> targets = [.. Enumerable.Range(1, 10).Select(i => new Target { Name = $"db{i:D2}" })];
var firstRun = true;

// db03 and db07 are "down" during the first run; db05 fails once (a transient error).
var attempts = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
IOperation migrate = Operation.FromDelegate("migrate", (target, ct) =>
{
    int attempt = attempts.AddOrUpdate(target.Name, 1, (_, n) => n + 1);
    bool down = firstRun && target.Name is "db03" or "db07";
    bool flaky = target.Name == "db05" && attempt == 1;
    return Task.FromResult(down || flaky ? OperationResult.Failed(down ? "connection refused" : "lock timeout", exitCode: 75) : OperationResult.Succeeded());
});

var options = new ExecutionOptions
{
    MaxConcurrency = 3,
    Retries = 2,
    RetryDelay = TimeSpan.FromMilliseconds(10),
    Backoff = Backoff.Exponential,
    RetryOnExitCodes = new HashSet<int> { 75 },
};
var executor = new BatchExecutor(options);

BatchResult first = await executor.ExecuteAsync(migrate, targets);
Console.WriteLine($"run 1: {first.Count(TargetState.Succeeded)}/{first.Total} succeeded");
Console.WriteLine(first.CombinedError);

// The outcomes carry their targets: no join on names needed.
IReadOnlyList<Target> again = first.FailedTargets;
firstRun = false;
BatchResult second = await executor.ExecuteAsync(migrate, again);
Console.WriteLine($"run 2 (only the {again.Count} that failed): {second.Count(TargetState.Succeeded)}/{second.Total} succeeded");
foreach (TargetOutcome o in first.Outcomes.Where(o => o.Attempts > 1))
{
    Console.WriteLine($"  {o.Target} took {o.Attempts} attempts in run 1");
}

return second.AllSucceeded ? 0 : 1;
