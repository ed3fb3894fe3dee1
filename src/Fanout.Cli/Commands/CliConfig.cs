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
    public static WorkflowValidationOptions ValidationOptions(FanoutConfig config) => new() { ConfiguredChannels = [.. config.Channels.Keys] };

    public static string Resolve(CliContext context, string path) => Path.GetFullPath(path, context.CurrentDirectory);
}
