using Fanout.Cluster.Dispatch;
using Fanout.Execution;
using Fanout.Operations;
using Fanout.Runs;
using Fanout.Selection;
using Microsoft.Extensions.DependencyInjection;

namespace Fanout.Storage.Tests.Cluster;

/// <summary>An exec run of local targets as the in-process cluster tests start it: recorded like an API batch, then distributed.</summary>
internal static class DistributedRun
{
    /// <summary>
    /// Writes an inventory of <paramref name="targets"/> local targets t001… into <paramref name="dir"/> and returns the run of
    /// <paramref name="command"/> on all of them at <c>--parallel</c> <paramref name="parallel"/> as <paramref name="coordinator"/>'s
    /// <see cref="IRunDistributor"/> hands it out, with the operation it was given (not the request's when it was leased to workers).
    /// </summary>
    public static async Task<(RunRequest Request, IOperation Given)> CreateAsync(IServiceProvider coordinator, string dir, int targets, int parallel, string command)
    {
        string inventory = Path.Combine(dir, "inventory.yaml");
        await File.WriteAllLinesAsync(inventory, ["defaults: {transport: local}", "targets:", .. Enumerable.Range(1, targets).Select(i => $"  t{i:000}: {{}}")]);
        var options = new ExecutionOptions { MaxConcurrency = parallel };
        IOperation operation = RunDefinition.ForCommandLine(command).CreateOperation();
        Fanout.Inventory.Inventory loaded = await new RunService().LoadInventoryAsync([inventory], CancellationToken.None);
        RunDefinition definition = RunDefinition.Describe(operation, [inventory], new SelectionCriteria(), options)! with { Targets = [.. loaded.Targets.Select(t => t.Name)] };
        RunRequest request = coordinator.GetRequiredService<IRunDistributor>().Distribute(new RunRequest
        {
            Operation = operation,
            Targets = loaded.Targets,
            Options = options,
            Definition = definition,
            RunId = RunIds.New(TimeProvider.System),
            Kind = "exec",
        });
        return (request, operation);
    }
}
