using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Fanout.Storage.Tests;

/// <summary>
/// A throwaway PostgreSQL 15 cluster on 127.0.0.1 and a free port, in a temp directory, started by the
/// tests themselves (initdb as the postgres user, trust auth) and stopped in <see cref="DisposeAsync"/>.
/// Missing binaries fail loudly: these tests never skip.
/// </summary>
public sealed class PostgresCluster : IAsyncLifetime
{
    private const string BinDirectory = "/usr/lib/postgresql/15/bin";
    private string _dir = string.Empty;
    private int _databases;

    public int Port { get; private set; }

    public async Task InitializeAsync()
    {
        if (!File.Exists(Path.Combine(BinDirectory, "initdb")))
        {
            throw new InvalidOperationException($"PostgreSQL 15 binaries are missing in {BinDirectory}: apt-get install -y postgresql-15 (see eng/test-packages.txt)");
        }

        _dir = Directory.CreateTempSubdirectory("fanout-pg-").FullName;
        await RunAsync("chown", ["postgres:postgres", _dir]);
        await RunAsync("runuser", ["-u", "postgres", "--", $"{BinDirectory}/initdb", "-D", $"{_dir}/data", "-U", "fanout", "--auth=trust", "-E", "UTF8", "--no-locale"]);
        Port = FreePort();
        await RunAsync("runuser", ["-u", "postgres", "--", $"{BinDirectory}/pg_ctl", "-D", $"{_dir}/data", "-l", $"{_dir}/log",
            "-o", $"-p {Port} -k {_dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=400", "-w", "start"]);
    }

    /// <summary>Creates a fresh database and returns its <c>postgres://</c> URL.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        string name = $"t{Interlocked.Increment(ref _databases)}_{Guid.NewGuid():N}"[..20];
        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={Port};Username=fanout;Database=postgres;Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return $"postgres://fanout@127.0.0.1:{Port}/{name}";
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (File.Exists(Path.Combine(_dir, "data", "postmaster.pid")))
        {
            await RunAsync("runuser", ["-u", "postgres", "--", $"{BinDirectory}/pg_ctl", "-D", $"{_dir}/data", "-m", "fast", "-w", "stop"]);
        }

        Directory.Delete(_dir, recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string file, string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {await stdout}{await stderr}");
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresCluster>
{
    public const string Name = "postgres";
}
