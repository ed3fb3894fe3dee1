using Fanout.Configuration;
using Fanout.Diagnostics;
using Fanout.Workflows.Validation;

namespace Fanout.Cli.Commands;

/// <summary>Loads Fanout's config file (docs/config.md) for commands, reporting its errors the same way everywhere.</summary>
internal static class CliConfig
{
    /// <summary>Loads the config; on errors prints each as <c>file:line:col: error: …</c> on stderr and returns null.</summary>
    public static async Task<FanoutConfig?> LoadAsync(CliContext context, string command)
    {
        FanoutConfigResult result = FanoutConfigLoader.Load(context.GetEnvironmentVariable, context.CurrentDirectory);
        foreach (Diagnostic diagnostic in result.Diagnostics)
        {
            await context.Console.Error.WriteLineAsync(diagnostic.ToString()).ConfigureAwait(false);
        }

        if (result.HasErrors)
        {
            await context.Console.Error.WriteLineAsync($"fanout {command}: error: the Fanout config is invalid (fix it or point FANOUT_CONFIG elsewhere)").ConfigureAwait(false);
            return null;
        }

        return result.Config;
    }

    /// <summary>Validation options that know the configured notification channels.</summary>
    public static WorkflowValidationOptions ValidationOptions(FanoutConfig config) => new()
    {
        ConfiguredChannels = [.. config.Channels.Keys],
        ConfiguredActions = [.. config.Actions.Keys],
        LogAggregationConfigured = config.LogAggregationPath is not null,
    };

    /// <summary>
    /// The config for validating and running a workflow, loaded as notification delivery loads it; an invalid config
    /// does not stop a run (its errors are reported by <c>fanout validate</c>) and counts as the defaults here.
    /// </summary>
    public static FanoutConfig ForRun(CliContext context) => FanoutConfigLoader.Load(context.GetEnvironmentVariable, context.CurrentDirectory).Config;

    public static string Resolve(CliContext context, string path) => Path.GetFullPath(path, context.CurrentDirectory);
}
