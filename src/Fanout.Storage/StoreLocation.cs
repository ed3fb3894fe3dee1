using Npgsql;

namespace Fanout.Storage;

/// <summary>
/// Where the store lives (SPEC S-QL), resolved from <c>--store</c>, then <c>FANOUT_STORE</c>, then the
/// default SQLite file <c>$XDG_DATA_HOME/fanout/fanout.db</c> (or <c>~/.local/share/fanout/fanout.db</c>).
/// A value starting with <c>postgres://</c> or <c>postgresql://</c> selects PostgreSQL; anything else is a SQLite file path.
/// </summary>
internal sealed record StoreLocation
{
    /// <summary>The environment variable read when no <c>--store</c> is given.</summary>
    public const string EnvironmentVariable = "FANOUT_STORE";

    /// <summary>Whether the store is PostgreSQL (else SQLite).</summary>
    public required bool IsPostgres { get; init; }

    /// <summary>The SQLite file path, or the Npgsql connection string.</summary>
    public required string Target { get; init; }

    /// <summary>The location for display (no password).</summary>
    public required string Display { get; init; }

    /// <summary>Directory for full output logs.</summary>
    public required string LogDirectory { get; init; }

    /// <summary>Resolves <paramref name="spec"/> (or the environment, or the default).</summary>
    /// <exception cref="StoreException">A PostgreSQL URL is malformed.</exception>
    public static StoreLocation Resolve(string? spec, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (string.IsNullOrWhiteSpace(spec))
        {
            spec = environment(EnvironmentVariable);
        }

        string dataDir = DataDirectory(environment);
        if (string.IsNullOrWhiteSpace(spec))
        {
            string path = Path.Combine(dataDir, "fanout.db");
            return new StoreLocation { IsPostgres = false, Target = path, Display = path, LogDirectory = Path.Combine(dataDir, "logs") };
        }

        if (spec.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || spec.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            (string cs, string display) = ToConnectionString(spec);
            return new StoreLocation { IsPostgres = true, Target = cs, Display = display, LogDirectory = Path.Combine(dataDir, "logs") };
        }

        string file = ExpandHome(spec, environment);
        string full = Path.GetFullPath(file);
        return new StoreLocation { IsPostgres = false, Target = full, Display = full, LogDirectory = Path.Combine(Path.GetDirectoryName(full)!, Path.GetFileNameWithoutExtension(full) + "-logs") };
    }

    /// <summary>The user's data directory for Fanout.</summary>
    public static string DataDirectory(Func<string, string?> environment)
    {
        string? xdg = environment("XDG_DATA_HOME");
        string root = string.IsNullOrEmpty(xdg)
            ? Path.Combine(environment("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share")
            : xdg;
        return Path.Combine(root, "fanout");
    }

    /// <summary>
    /// <paramref name="connectionString"/> with at most <paramref name="connections"/> pooled connections, unless it sets a pool
    /// size itself (the operator's choice stands): the one rule every Fanout pool on PostgreSQL follows (docs/store.md).
    /// </summary>
    public static string WithPoolLimit(string connectionString, int connections) =>
        connectionString.Contains("pool size", StringComparison.OrdinalIgnoreCase)
            ? connectionString
            : new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = connections }.ConnectionString;

    /// <summary>Converts <c>postgres://user[:password]@host[:port]/database[?key=value&amp;…]</c> to an Npgsql connection string.</summary>
    /// <exception cref="StoreException">The URL is malformed.</exception>
    public static (string ConnectionString, string Display) ToConnectionString(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new StoreException($"invalid PostgreSQL store URL '{url}': expected postgres://user[:password]@host[:port]/database");
        }

        var b = new NpgsqlConnectionStringBuilder { Host = uri.Host, Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port };
        string database = Uri.UnescapeDataString(uri.AbsolutePath.Trim('/'));
        if (database.Length == 0)
        {
            throw new StoreException($"invalid PostgreSQL store URL '{url}': the database name is missing");
        }

        b.Database = database;
        if (uri.UserInfo.Length > 0)
        {
            string[] parts = uri.UserInfo.Split(':', 2);
            b.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2)
            {
                b.Password = Uri.UnescapeDataString(parts[1]);
            }
        }

        foreach (string pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] kv = pair.Split('=', 2);
            string key = Uri.UnescapeDataString(kv[0]);
            try
            {
                b[key] = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "true";
            }
            catch (ArgumentException e)
            {
                throw new StoreException($"invalid PostgreSQL store URL '{url}': unknown option '{key}' ({e.Message})");
            }
        }

        string user = b.Username is null ? string.Empty : b.Username + "@";
        return (b.ConnectionString, $"postgres://{user}{b.Host}:{b.Port}/{b.Database}");
    }

    private static string ExpandHome(string path, Func<string, string?> environment) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(environment("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.TrimStart('~').TrimStart('/'))
            : path;
}
