// Atomic batches (SPEC X4, C2): ExecuteWithRollbackAsync is all-or-nothing. When a target fails,
// scheduling stops and exactly the targets that succeeded are rolled back; a rollback that fails
// is reported distinctly (RollbackPartiallyFailed, "rollback partially failed" in CombinedError).
using System.Collections.Concurrent;
using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;

List<Target> targets = [.. Enumerable.Range(1, 5).Select(i => new Target { Name = $"cache{i}" })];
var version = new ConcurrentDictionary<string, string>(targets.Select(t => KeyValuePair.Create(t.Name, "v1")));
string? failOn = null;
string? lockedOn = null;

IOperation upgrade = Operation.FromDelegate(
    "switch-to-v2",
    execute: (target, context, ct) =>
    {
        if (target.Name == failOn)
        {
            return Task.FromResult(OperationResult.Failed("disk full"));
        }

        version[target.Name] = "v2";
        return Task.FromResult(OperationResult.Succeeded());
    },
    rollback: (target, context, ct) =>
    {
        if (target.Name == lockedOn)
        {
            return Task.FromResult(OperationResult.Failed("config locked by another process"));
        }

        version[target.Name] = "v1";
        return Task.FromResult(OperationResult.Succeeded());
    },
    validate: target => target.Name.StartsWith("cache", StringComparison.Ordinal) ? null : "not a cache node");

// One at a time, so the story is deterministic: cache1..cache3 succeed before cache4 fails.
var executor = new BatchExecutor(new ExecutionOptions { MaxConcurrency = 1 });

BatchResult clean = await executor.ExecuteWithRollbackAsync(upgrade, targets);
Console.WriteLine($"1. all healthy: {clean.Successes.Count}/{clean.Total} on v2, {clean.Rollbacks.Count} rollbacks");

foreach (Target t in targets)
{
    version[t.Name] = "v1";
}

failOn = "cache4";
BatchResult failed = await executor.ExecuteWithRollbackAsync(upgrade, targets);
Console.WriteLine($"2. cache4 fails: {string.Join(", ", failed.Outcomes.Select(o => $"{o.Target} {o.State.ToWireName()}"))}");
Console.WriteLine($"   rolled back: {string.Join(", ", failed.Rollbacks.Select(r => $"{r.Target} {(r.Succeeded ? "ok" : r.Error)}"))}");
Console.WriteLine($"   versions now: {string.Join(", ", targets.Select(t => $"{t.Name}={version[t.Name]}"))}");
Console.WriteLine($"   rollback partially failed: {failed.RollbackPartiallyFailed}");

lockedOn = "cache2";
BatchResult partial = await executor.ExecuteWithRollbackAsync(upgrade, targets);
Console.WriteLine($"3. cache4 fails and cache2 cannot be undone: rollback partially failed: {partial.RollbackPartiallyFailed}");
Console.WriteLine(partial.CombinedError);

bool ok = clean.AllSucceeded && clean.Rollbacks.Count == 0
    && !failed.AllSucceeded && failed.Rollbacks.Count == 3 && !failed.RollbackPartiallyFailed
    && targets.All(t => version[t.Name] == "v1" || (t.Name == "cache2" && version[t.Name] == "v2"))
    && partial.RollbackPartiallyFailed && partial.CombinedError!.Contains("rollback partially failed", StringComparison.Ordinal);
return ok ? 0 : 1;
