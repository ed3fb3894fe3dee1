using System.CommandLine;
using Fanout.Runs;
using Fanout.Storage;

namespace Fanout.Cli.Commands;

/// <summary>The global <c>--store</c> option (SPEC S-QL) and opening the store it names.</summary>
internal static class CliStore
{
    /// <summary><c>--store PATH|postgres://…</c>, accepted by every command.</summary>
    public static Option<string?> Option { get; } = new("--store")
    {
        Description = "The run store: a SQLite file or postgres://user@host:port/db (default: $FANOUT_STORE, else ~/.local/share/fanout/fanout.db)",
        HelpName = "PATH|URL",
        Recursive = true,
    };

    /// <summary>Opens the store named by <c>--store</c>, <c>FANOUT_STORE</c> or the default; an error is returned as text.</summary>
    public static async Task<(IFanoutStore? Store, string? Error)> OpenAsync(ParseResult parsed, CliContext context, CancellationToken cancellationToken)
    {
        try
        {
            StoreLocation location = StoreLocation.Resolve(parsed.GetValue(Option), context.GetEnvironmentVariable);
            return (await StoreFactory.OpenAsync(location, context.Time, null, cancellationToken).ConfigureAwait(false), null);
        }
        catch (StoreException e)
        {
            return (null, e.Message);
        }
    }

    /// <summary>Inventory sources as recorded: absolute paths for files, as given otherwise.</summary>
    public static IReadOnlyList<string> Absolute(IReadOnlyList<string> sources, CliContext context) =>
        [.. sources.Select(s => Path.Combine(context.CurrentDirectory, s) is var full && (File.Exists(full) || Directory.Exists(full)) ? Path.GetFullPath(full) : s)];
}
