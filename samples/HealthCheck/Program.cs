// A custom health-check operation (SPEC C1) run over a fleet; unhealthy and invalid targets are
// reported as data, with the combined error of the batch.
using Fanout.Execution;
using Fanout.Inventory;
using HealthCheck;

List<Target> targets =
[
    new() { Name = "api1", Vars = new Dictionary<string, object?> { ["status"] = 200 } },
    new() { Name = "api2", Vars = new Dictionary<string, object?> { ["status"] = 503 } },
    new() { Name = "api3", Vars = new Dictionary<string, object?> { ["status"] = 204 } },
    new() { Name = "api4" },
];

var executor = new BatchExecutor(new ExecutionOptions { MaxConcurrency = 8, Timeout = TimeSpan.FromSeconds(2) });
BatchResult result = await executor.ExecuteAsync(new HealthCheckOperation(), targets);

foreach (TargetOutcome o in result.Outcomes)
{
    string status = o.Data?["status"]?.ToString() ?? "-";
    Console.WriteLine($"{o.Target,-5} {o.State.ToWireName(),-9} status {status,-4} {o.Error}");
}

Console.WriteLine($"success rate {result.SuccessRate:P0}");
Console.WriteLine(result.CombinedError);

// Expected: api1 and api3 healthy, api2 unhealthy, api4 invalid.
return result.Count(TargetState.Succeeded) == 2 && result.Count(TargetState.Failed) == 2 ? 0 : 1;
