using Fanout.Inventory;
using Fanout.Output;
using Fanout.Transports;
using Fanout.Transports.Local;

namespace Fanout.Operations;

/// <summary>
/// Runs a lifecycle provider's command for each target on the controller (spec L1), e.g.
/// <c>az vm start -g {{ .target.group }} -n {{ .target.name }}</c> for the built-in <c>azure</c> preset.
/// Targets name their provider in <see cref="Target.Provider"/>. <c>start</c> and <c>stop</c> are each
/// other's rollback (for <c>--atomic</c>).
/// </summary>
public sealed class LifecycleOperation : IOperation
{
    private readonly IReadOnlyDictionary<string, ProviderDefinition> _providers;
    private readonly ITransport _controller;

    /// <summary>Creates the operation.</summary>
    /// <param name="action">What to do.</param>
    /// <param name="providers">Providers by name (an inventory's <see cref="Fanout.Inventory.Inventory.Providers"/>); the <c>azure</c> preset is added when missing.</param>
    /// <param name="controller">Where commands run; the local transport when <see langword="null"/>.</param>
    public LifecycleOperation(LifecycleAction action, IReadOnlyDictionary<string, ProviderDefinition> providers, ITransport? controller = null)
    {
        ArgumentNullException.ThrowIfNull(providers);
        Action = action;
        var all = new Dictionary<string, ProviderDefinition>(providers, StringComparer.Ordinal);
        all.TryAdd(ProviderDefinition.AzureName, ProviderDefinition.Azure);
        _providers = all;
        _controller = controller ?? new LocalTransport();
    }

    /// <summary>The action this operation performs.</summary>
    public LifecycleAction Action { get; }

    /// <inheritdoc/>
    /// <value><c>start</c>, <c>stop</c>, <c>restart</c> or <c>status</c>.</value>
    public string Name => Action.ToString().ToLowerInvariant();

    /// <inheritdoc/>
    /// <value><see langword="true"/> for start and stop.</value>
    public bool SupportsRollback => Action is LifecycleAction.Start or LifecycleAction.Stop;

    /// <inheritdoc/>
    public string? Validate(Target target)
    {
        ArgumentNullException.ThrowIfNull(target);
        (string? _, string? error) = Resolve(Action, target);
        return error;
    }

    /// <inheritdoc/>
    public Task<OperationResult> ExecuteAsync(Target target, OperationContext context, CancellationToken cancellationToken) =>
        RunAsync(Action, target, context, cancellationToken);

    /// <inheritdoc/>
    public Task<OperationResult> RollbackAsync(Target target, OperationContext context, CancellationToken cancellationToken) => Action switch
    {
        LifecycleAction.Start => RunAsync(LifecycleAction.Stop, target, context, cancellationToken),
        LifecycleAction.Stop => RunAsync(LifecycleAction.Start, target, context, cancellationToken),
        _ => throw new NotSupportedException($"Operation '{Name}' has no rollback."),
    };

    private async Task<OperationResult> RunAsync(LifecycleAction action, Target target, OperationContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(context);
        (string? command, string? error) = Resolve(action, target);
        if (command is null)
        {
            return OperationResult.Failed(error!);
        }

        // Runs on the controller, never through the target's own transport (a stopped VM has no SSH).
        ISession session = await _controller.OpenAsync(target with { Transport = TransportNames.Local, Host = null, Port = null }, cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            using OutputCapture stdout = context.CreateOutputCapture("stdout");
            using OutputCapture stderr = context.CreateOutputCapture("stderr");
            CommandResult result = await session.RunAsync(CommandSpec.Sh(command), stdout, stderr, cancellationToken).ConfigureAwait(false);
            CapturedOutput err = stderr.Complete();
            return new OperationResult
            {
                Success = result.Succeeded,
                ExitCode = result.ExitCode,
                Stdout = stdout.Complete(),
                Stderr = err,
                Error = result.Succeeded ? null : CommandOperation.Describe(result, err.Text),
                Data = new Dictionary<string, object?> { ["command"] = command },
            };
        }
    }

    private (string? Command, string? Error) Resolve(LifecycleAction action, Target target)
    {
        if (target.Provider is null)
        {
            return (null, $"target '{target.Name}' has no lifecycle provider");
        }

        if (!_providers.TryGetValue(target.Provider, out ProviderDefinition? provider))
        {
            return (null, $"target '{target.Name}' names unknown provider '{target.Provider}'");
        }

        string? template = action switch
        {
            LifecycleAction.Start => provider.Start,
            LifecycleAction.Stop => provider.Stop,
            LifecycleAction.Restart => provider.Restart,
            _ => provider.Status,
        };
        return template is null
            ? (null, $"provider '{provider.Name}' does not define '{action.ToString().ToLowerInvariant()}'")
            : ProviderTemplate.Render(template, target);
    }
}
