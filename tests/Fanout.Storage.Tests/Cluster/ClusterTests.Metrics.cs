using System.Globalization;
using System.Text.RegularExpressions;
using Fanout.Storage.Tests.Cli;

namespace Fanout.Storage.Tests.Cluster;

/// <summary>Metrics per worker (issue 15 item 5): a clustered <c>fanout serve</c>'s <c>/metrics</c> has a series per silo.</summary>
public sealed partial class ClusterTests
{
    [Fact(Timeout = 300000)]
    public async Task Metrics_ListEverySiloWithItsRoleAndLoad_KeepTheLastValuesWhenTheStoreFails_AndShowAKilledWorkerDown()
    {
        string store = await postgres.CreateDatabaseAsync();
        string inventory = FanoutProcess.WriteInventory(_dir, 12);
        string token = await ServeProcess.CreateTokenAsync(_dir, store);
        int port = FreePort();
        await using RunningCluster cluster = new(store,
            [await WorkerProcess.StartAsync(_dir, store, "m1"), await WorkerProcess.StartAsync(_dir, store, "m2", "--metrics-urls", $"http://127.0.0.1:{port}")],
            await StartServeAsync(store, token, inventory), token, inventory);
        ServeProcess serve = cluster.Serve;
        await WaitForSilosAsync(store, 3);

        // m2 serves its own /metrics (fanout worker --metrics-urls), without a token.
        using var scrape = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        string own = await scrape.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal((0L, 16L, 0L), (OwnValue(own, "fanout_worker_targets_running"), OwnValue(own, "fanout_worker_max_targets"), OwnValue(own, "fanout_worker_targets_completed_total")));

        // One silo_up line per silo, with its role; the two workers' --max-targets (16, WorkerProcess) and nothing of the kind for the api silo.
        Dictionary<string, SiloSeries> silos = await WaitForMetricsAsync(serve, m => m.Values.Count(s => s.Up == 1) == 3);
        Assert.Equal(3, silos.Count);
        Assert.Equal(["api", "worker", "worker"], silos.Values.Select(s => s.Role).Order());
        SiloSeries api = silos.Values.Single(s => s.Role == "api");
        Assert.Equal((null, null, null), (api.Running, api.MaxTargets, api.Completed));
        foreach (WorkerProcess worker in cluster.Workers)
        {
            SiloSeries series = silos.Values.Single(s => s.Name.EndsWith($":{worker.Pid}", StringComparison.Ordinal));
            Assert.Equal(("worker", 1, 16L, 0L), (series.Role, series.Up, series.MaxTargets, series.Completed));
        }

        // completed_total rises with a batch: 12 targets over the two workers.
        string batch = await CreateAsync(serve, "echo ran-on-$FANOUT_TEST_WORKER; sleep 0.2", parallel: 8);
        Assert.Equal("succeeded", (await WaitForEndAsync(serve, batch)).GetProperty("status").GetString());
        silos = await WaitForMetricsAsync(serve, m => m.Values.Sum(s => s.Completed ?? 0) == 12);
        Assert.All(silos.Values.Where(s => s.Role == "worker"), s => Assert.Equal(0, s.Running));
        long m2Completed = silos.Values.Single(s => s.Name.EndsWith($":{cluster.Workers[1].Pid}", StringComparison.Ordinal)).Completed!.Value;
        Assert.InRange(m2Completed, 1, 11); // both workers took a share
        Assert.Equal(m2Completed, OwnValue(await scrape.GetStringAsync(new Uri("/metrics", UriKind.Relative)), "fanout_worker_targets_completed_total"));

        // The store fails (cluster_members renamed away): /metrics still answers, with the last values, and says how old they are.
        string connection = StoreLocation.Resolve(store, _ => null).Target;
        await ExecuteAsync(connection, "ALTER TABLE cluster_members RENAME TO cluster_members_hidden");
        string stale = "";
        await Poll.UntilAsync(async () =>
        {
            stale = await serve.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative)); // a 500 would throw here
            return ReadAge(stale) > 7; // read every 5 s: older values mean reads failed
        }, TimeSpan.FromSeconds(60));
        Assert.Equal(12, ParseSilos(stale).Values.Sum(s => s.Completed ?? 0));
        Assert.Equal(3, ParseSilos(stale).Values.Count(s => s.Up == 1));
        await ExecuteAsync(connection, "ALTER TABLE cluster_members_hidden RENAME TO cluster_members");
        await Poll.UntilAsync(async () => ReadAge(await serve.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative))) < 5, TimeSpan.FromSeconds(60));

        // kill -9 of a worker: once it is declared dead its silo_up is 0 and its worker series are gone; the other worker stays up.
        WorkerProcess victim = cluster.First;
        victim.Kill9();
        silos = await WaitForMetricsAsync(serve, m => m.Values.Any(s => s.Name.EndsWith($":{victim.Pid}", StringComparison.Ordinal) && s.Up == 0));
        SiloSeries dead = silos.Values.Single(s => s.Name.EndsWith($":{victim.Pid}", StringComparison.Ordinal));
        Assert.Equal((null, null), (dead.MaxTargets, dead.Completed));
        Assert.Equal(2, silos.Values.Count(s => s.Up == 1));
        Assert.Equal(16, silos.Values.Single(s => s.Name.EndsWith($":{cluster.Workers[1].Pid}", StringComparison.Ordinal)).MaxTargets);
    }

    [Fact(Timeout = 120000)]
    public async Task WorkerMetricsUrls_NotAnHttpUrl_OrAnAddressInUse_IsExit2()
    {
        string store = await postgres.CreateDatabaseAsync();
        foreach (string bad in new[] { "https://127.0.0.1:9464", "http://127.0.0.1:9464/metrics", "127.0.0.1:9464" })
        {
            FanoutProcess.Result result = await FanoutProcess.RunAsync(_dir, "worker", "--store", store, "--metrics-urls", bad);
            Assert.Equal(2, result.ExitCode);
            Assert.Contains($"--metrics-urls '{bad}' is not an http://HOST:PORT URL", result.Stderr, StringComparison.Ordinal);
        }

        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        int port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        FanoutProcess.Result inUse = await FanoutProcess.RunAsync(_dir, "worker", "--store", store, "--metrics-urls", $"http://127.0.0.1:{port}");
        Assert.Equal(2, inUse.ExitCode);
        Assert.Contains($"--metrics-urls: cannot listen on http://127.0.0.1:{port}", inUse.Stderr, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static long OwnValue(string metrics, string name) =>
        long.Parse(Regex.Match(metrics, $"^{name} (\\d+)$", RegexOptions.Multiline).Groups[1].Value, CultureInfo.InvariantCulture);

    private sealed record SiloSeries(string Silo, string Name, string Role, int Up)
    {
        public long? Running { get; set; }

        public long? MaxTargets { get; set; }

        public long? Completed { get; set; }
    }

    private static async Task<Dictionary<string, SiloSeries>> WaitForMetricsAsync(ServeProcess serve, Func<Dictionary<string, SiloSeries>, bool> condition)
    {
        Dictionary<string, SiloSeries> silos = [];
        string last = "";
        try
        {
            await Poll.UntilAsync(async () =>
            {
                last = await serve.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
                silos = ParseSilos(last);
                return condition(silos);
            }, TimeSpan.FromSeconds(90));
        }
        catch (TimeoutException)
        {
            Assert.Fail($"/metrics never got there; last:\n{last}");
        }

        return silos;
    }

    /// <summary>The per-silo series of a /metrics text, by silo: each worker series must name a silo that has a silo_up line.</summary>
    private static Dictionary<string, SiloSeries> ParseSilos(string metrics)
    {
        var line = new Regex("^(fanout_cluster_[a-z_]+)\\{silo=\"([^\"]+)\",name=\"([^\"]+)\",role=\"([a-z]+)\"\\} (\\d+)$", RegexOptions.Multiline);
        var silos = new Dictionary<string, SiloSeries>(StringComparer.Ordinal);
        List<Match> matches = line.Matches(metrics).ToList();
        foreach (Match m in matches.Where(m => m.Groups[1].Value == "fanout_cluster_silo_up"))
        {
            silos.Add(m.Groups[2].Value, new SiloSeries(m.Groups[2].Value, m.Groups[3].Value, m.Groups[4].Value, int.Parse(m.Groups[5].Value, CultureInfo.InvariantCulture)));
        }

        foreach (Match m in matches.Where(m => m.Groups[1].Value != "fanout_cluster_silo_up"))
        {
            SiloSeries silo = silos[m.Groups[2].Value];
            long value = long.Parse(m.Groups[5].Value, CultureInfo.InvariantCulture);
            switch (m.Groups[1].Value)
            {
                case "fanout_cluster_worker_running": silo.Running = value; break;
                case "fanout_cluster_worker_max_targets": silo.MaxTargets = value; break;
                case "fanout_cluster_worker_completed_total": silo.Completed = value; break;
                default: Assert.Fail($"unexpected series {m.Value}"); break;
            }
        }

        return silos;
    }

    private static double ReadAge(string metrics) =>
        double.Parse(Regex.Match(metrics, "^fanout_cluster_silos_read_age_seconds ([0-9.]+)$", RegexOptions.Multiline).Groups[1].Value, CultureInfo.InvariantCulture);

    private static async Task ExecuteAsync(string connection, string sql)
    {
        await using var db = new Npgsql.NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, db);
        await command.ExecuteNonQueryAsync();
    }
}
