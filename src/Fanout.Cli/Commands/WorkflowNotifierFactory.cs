using Fanout.Workflows.Notifications;

namespace Fanout.Cli.Commands;

/// <summary>The notifier workflow runs use: the channels of Fanout's config file when configured, else nothing.</summary>
internal static class WorkflowNotifierFactory
{
    // The channel configuration (webhook/command, slack/email mapping) comes with the notifications helper's
    // config file; until it is merged, runs send nothing (validation already warns about unconfigured channels).
    public static INotifier Create(CliContext context)
    {
        _ = context;
        return NullNotifier.Instance;
    }
}
