using System.CommandLine;
using Fanout.Runs;
using Fanout.Storage;

namespace Fanout.Cli.Commands;

/// <summary>Runs a command's work with the store open; store and usage errors become exit 2 with a message naming the command.</summary>
internal static class StoreAction
{
    public static async Task<int> RunAsync(ParseResult parsed, CliContext context, string name, Func<IFanoutStore, Task<int>> work, CancellationToken cancellationToken)
    {
        (IFanoutStore? store, string? error) = await CliStore.OpenAsync(parsed, context, cancellationToken).ConfigureAwait(false);
        if (store is null)
        {
            return await ErrorAsync(context, name, error ?? "cannot open the run store").ConfigureAwait(false);
        }

        await using (store.ConfigureAwait(false))
        {
            try
            {
                return await work(store).ConfigureAwait(false);
            }
            catch (FanoutException e)
            {
                return await ErrorAsync(context, name, e.Message).ConfigureAwait(false);
            }
        }
    }

    public static async Task<int> ErrorAsync(CliContext context, string name, string message, int exitCode = ExitCodes.UsageError)
    {
        await context.Console.Error.WriteLineAsync($"fanout {name}: error: {message}").ConfigureAwait(false);
        return exitCode;
    }

    public static Option<string> OutputOption(params string[] formats) => new("--output", "-o")
    {
        Description = $"Output format: {string.Join(", ", formats)}",
        DefaultValueFactory = _ => formats[0],
        HelpName = "FORMAT",
    };

    public static string Time(DateTimeOffset? value) =>
        value is { } v ? v.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) : "-";
}
