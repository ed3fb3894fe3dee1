using System.CommandLine;
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
        command.SetAction((parsed, ct) => acting.RunAsync(parsed, name, _ =>
        {
            // The providers come from the inventory the run loads (ActingCommand), as on resume.
            return Task.FromResult(new DefinitionOrError(Runs.RunDefinition.ForLifecycle(action), null));
        }, ct, destructive: action is LifecycleAction.Stop or LifecycleAction.Restart, readOnly: action is LifecycleAction.Status, validateFirst: true));
        return command;
    }
}
