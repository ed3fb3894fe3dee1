// OperationChain (SPEC C2): several operations over the same targets, wave by wave, stopping
// after a step that had failures. Also Composite, Conditional and Retry combinators (C1).
using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;

List<Target> targets = [.. Enumerable.Range(1, 6).Select(i => new Target
{
    Name = $"app{i}",
    Tags = new Dictionary<string, string> { ["role"] = i % 3 == 0 ? "db" : "web" },
})];

static IOperation Step(string name) => Operation.FromDelegate(name, (target, ct) =>
{
    Console.WriteLine($"  {name,-8} {target.Name}");
    return Task.FromResult(OperationResult.Succeeded());
});

IOperation drain = Step("drain");
IOperation upgrade = Operation.Composite("upgrade",
    Operation.Retry(Step("download"), attempts: 3, delay: TimeSpan.FromMilliseconds(10), Backoff.Exponential),
    Operation.Conditional(Step("migrate"), t => t.Tags["role"] == "db"),
    Step("install"));
IOperation restore = Step("restore");

var chain = new OperationChain(stopOnFailure: true).Then(drain).Then(upgrade).Then(restore);
var executor = new BatchExecutor(new ExecutionOptions { MaxConcurrency = 2, BatchSizes = [WaveSize.Parse("3")] });

IReadOnlyList<BatchResult> steps = await chain.ExecuteAsync(executor, targets);
foreach (BatchResult step in steps)
{
    Console.WriteLine($"{step.Operation,-8} {step.Count(TargetState.Succeeded)} succeeded, {step.Failures.Count} failed");
}

return steps.All(s => s.AllSucceeded) ? 0 : 1;
