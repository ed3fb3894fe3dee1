using Fanout.Inventory;
using Fanout.Operations;

namespace Fanout.Instances;

/// <summary>
/// Several instance operations run in order on each target, as one operation (the CLI's
/// <c>fanout instance chain</c>, the API's <c>chain</c> action). Unlike <see cref="Operation.Composite"/>,
/// each step is validated just before it runs, against the state the previous step left, so
/// <c>prompt → pause</c> works; a step that fails validation or execution stops the chain on that
/// target (the target fails with <c>step 'instance x' failed: …</c>) while other targets go on.
/// Rolling back (atomic runs) undoes the steps that have a rollback, in reverse order.
/// </summary>
public sealed class InstanceChain : IOperation
{
    private readonly InstanceOperation[] _steps;

    /// <summary>Creates a chain of <paramref name="steps"/>.</summary>
    /// <exception cref="ArgumentException">No steps are given.</exception>
    public InstanceChain(params IEnumerable<InstanceOperation> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        _steps = [.. steps];
        if (_steps.Length == 0)
        {
            throw new ArgumentException("A chain needs at least one step.", nameof(steps));
        }

        Name = "instance chain " + string.Join(" → ", _steps.Select(s => s.Action == InstanceAction.Prompt ? "prompt" : s.Name["instance ".Length..]));
    }

    /// <summary>The steps, in order.</summary>
    public IReadOnlyList<InstanceOperation> Steps => _steps;

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public bool SupportsRollback => _steps.Any(s => s.SupportsRollback);

    /// <summary>Validates the first step (later steps are validated when they are reached), and every prompt's text.</summary>
    public string? Validate(Target target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (_steps.FirstOrDefault(s => s.Action == InstanceAction.Prompt && string.IsNullOrWhiteSpace(s.Text)) is not null)
        {
            return "prompt must not be empty";
        }

        return _steps[0].Validate(target) is { } error ? $"{_steps[0].Name}: {error}" : null;
    }

    /// <inheritdoc/>
    public async Task<OperationResult> ExecuteAsync(Target target, OperationContext context, CancellationToken cancellationToken)
    {
        OperationResult? last = null;
        for (int i = 0; i < _steps.Length; i++)
        {
            InstanceOperation step = _steps[i];
            if (i > 0 && step.Validate(target) is { } invalid)
            {
                return OperationResult.Failed($"step '{step.Name}' failed: validation failed: {invalid}") with { Data = StepsDone(i) };
            }

            OperationResult result = await step.ExecuteAsync(target, context, cancellationToken).ConfigureAwait(false);
            if (!result.Success)
            {
                return result with { Error = $"step '{step.Name}' failed: {result.Error ?? "failed"}", Data = StepsDone(i) };
            }

            last = result;
        }

        return last! with { Data = StepsDone(_steps.Length) };
    }

    /// <inheritdoc/>
    public async Task<OperationResult> RollbackAsync(Target target, OperationContext context, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        for (int i = _steps.Length - 1; i >= 0; i--)
        {
            if (_steps[i].SupportsRollback)
            {
                OperationResult undone = await _steps[i].RollbackAsync(target, context, cancellationToken).ConfigureAwait(false);
                if (!undone.Success)
                {
                    errors.Add($"step '{_steps[i].Name}': {undone.Error ?? "rollback failed"}");
                }
            }
        }

        return errors.Count == 0 ? OperationResult.Succeeded(exitCode: null) : OperationResult.Failed(string.Join("; ", errors));
    }

    private static Dictionary<string, object?> StepsDone(int completed) => new() { ["steps_completed"] = completed };
}
