using System.Text;
using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Transports;

namespace Fanout.Workflows.Engine;

/// <summary>A fan-out step whose command or script reads <c>.target</c>: rendered for each target before it runs.</summary>
internal sealed class PerTargetCommandOperation : IOperation
{
    private readonly StepInvocation _invocation;
    private readonly Func<Target, string?> _render;

    public PerTargetCommandOperation(StepInvocation invocation, Func<Target, string?> render)
    {
        _invocation = invocation;
        _render = render;
    }

    public string Name => _invocation.Path;

    public string? Validate(Target target) => _render(target) is null ? "the command cannot be rendered for this target" : null;

    public Task<OperationResult> ExecuteAsync(Target target, OperationContext context, CancellationToken cancellationToken)
    {
        string text = _render(target) ?? throw new FanoutException("the command cannot be rendered for target " + target.Name);
        IOperation operation = _invocation.Script is not null
            ? new ScriptOperation(TransportStepExecutor.ScriptName(_invocation), Encoding.UTF8.GetBytes(text))
            : new CommandOperation(new CommandSpec
            {
                ShellCommand = text,
                Shell = _invocation.Shell,
                Environment = _invocation.Environment,
                WorkingDirectory = _invocation.WorkingDirectory,
            }, _invocation.Path);
        return operation.ExecuteAsync(target, context, cancellationToken);
    }
}
