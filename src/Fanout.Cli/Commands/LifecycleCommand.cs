using System.CommandLine;
using Fanout.Inventory;
using Fanout.Operations;

namespace Fanout.Cli.Commands;

/// <summary><c>fanout start|stop|restart|status [selectors]</c>: run the targets' lifecycle providers (spec L1).</summary>
internal static class LifecycleCommand
{
    public static Command Create(CliContext context, LifecycleAction action)
    {
        string name = action.ToString().ToLowerInvariant();
        var command = new Command(name, action switch
        {
            LifecycleAction.Start => "Start the selected targets with their lifecycle provider (rolled back by stop under --atomic)",
            LifecycleAction.Stop => "Stop the selected targets with their lifecycle provider (asks for confirmation)",
            LifecycleAction.Restart => "Restart the selected targets with their lifecycle provider (asks for confirmation)",
            _ => "Show the state of the selected targets from their lifecycle provider",
        });
        var selectors = new SelectorOptions();
        var options = new RunOptions();
        selectors.AddTo(command);
        options.AddTo(command);

        var acting = new ActingCommand(context, selectors, options);
        command.SetAction((parsed, ct) => acting.RunAsync(parsed, name, async token =>
        {
            IReadOnlyList<string>? sources = selectors.GetSources(parsed, context);
            IReadOnlyDictionary<string, ProviderDefinition> providers;
            try
            {
                providers = sources is null
                    ? new Dictionary<string, ProviderDefinition>()
                    : (await context.GetRunService().LoadInventoryAsync(sources, token).ConfigureAwait(false)).Providers;
            }
            catch (InventoryException e)
            {
                return OperationOrError.Fail(e.Message);
            }

            return new OperationOrError(new LifecycleOperation(action, providers), null);
        }, ct, destructive: action is LifecycleAction.Stop or LifecycleAction.Restart, readOnly: action is LifecycleAction.Status, validateFirst: true));
        return command;
    }
}
