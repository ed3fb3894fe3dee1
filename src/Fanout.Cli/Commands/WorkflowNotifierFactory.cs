using Fanout.Configuration;
using Fanout.Workflows.Notifications;

namespace Fanout.Cli.Commands;

/// <summary>The notifier workflow runs use: the channels of Fanout's config file when configured, else nothing.</summary>
internal static class WorkflowNotifierFactory
{
    /// <remarks>
    /// An invalid config does not stop a run here (notifications never fail a run); <c>fanout validate</c> reports it.
    /// The notifier lives as long as the process, so its HTTP client is not disposed early.
    /// </remarks>
    public static INotifier Create(CliContext context)
    {
        FanoutConfigResult result = FanoutConfigLoader.Load(context.GetEnvironmentVariable, context.CurrentDirectory);
        return result.Config.Channels.Count == 0 ? NullNotifier.Instance : new ChannelNotifier(result.Config, context.Time);
    }
}
