using Fanout.Inventory;

namespace Fanout.Operations;

/// <summary>A sequence of operations per target (<see cref="Operation.Composite"/>).</summary>
internal sealed class CompositeOperation(string name, IOperation[] steps) : IOperation
{
    public string Name => name;

    public bool SupportsRollback => steps.Any(s => s.SupportsRollback);

    public string? Validate(Target target)
    {
        foreach (IOperation step in steps)
        {
            if (step.Validate(target) is { } error)
            {
                return $"{step.Name}: {error}";
            }
        }

        return null;
    }

    public async Task<OperationResult> ExecuteAsync(Target target, OperationContext context, CancellationToken cancellationToken)
    {
        OperationResult? last = null;
        bool allSkipped = true;
        foreach (IOperation step in steps)
        {
            OperationResult result = await step.ExecuteAsync(target, context, cancellationToken).ConfigureAwait(false);
            if (!result.Success)
            {
                return result with { Error = $"step '{step.Name}' failed: {result.Error ?? "failed"}" };
            }

            allSkipped &= result.Skipped;
            last = result.Skipped ? last ?? result : result;
        }

        return allSkipped ? OperationResult.Skip($"every step of '{name}' was skipped") : last! with { Skipped = false, Error = null };
    }

    public async Task<OperationResult> RollbackAsync(Target target, OperationContext context, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        for (int i = steps.Length - 1; i >= 0; i--)
        {
            IOperation step = steps[i];
            if (!step.SupportsRollback)
            {
                continue;
            }

            OperationResult result = await step.RollbackAsync(target, context, cancellationToken).ConfigureAwait(false);
            if (!result.Success)
            {
                errors.Add($"step '{step.Name}': {result.Error ?? "rollback failed"}");
            }
        }

        return errors.Count == 0 ? OperationResult.Succeeded(null) : OperationResult.Failed(string.Join("; ", errors));
    }
}
