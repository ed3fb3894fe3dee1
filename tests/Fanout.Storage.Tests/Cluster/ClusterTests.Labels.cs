using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fanout.Runs;
using Fanout.Storage.Tests.Cli;

namespace Fanout.Storage.Tests.Cluster;

/// <summary>Worker labels (issue 15): <c>fanout worker --labels</c>, shown by the cluster status, and runs asking for them.</summary>
public sealed partial class ClusterTests
{
    [Fact(Timeout = 300000)]
    public async Task WorkerLabels_ARunAskingForLabels_RunsOnlyOnWorkersThatHaveThem()
    {
        string store = await postgres.CreateDatabaseAsync();
        string inventory = FanoutProcess.WriteInventory(_dir, 24);
        string token = await ServeProcess.CreateTokenAsync(_dir, store);
        await using WorkerProcess dmz = await WorkerProcess.StartAsync(_dir, store, "dmz", "--labels", "zone=dmz,tier=edge");
        await using WorkerProcess core = await WorkerProcess.StartAsync(_dir, store, "core", "--labels", "zone=core");
        await using ServeProcess serve = await StartServeAsync(store, token, inventory);

        // The labels are listed: cluster status (json and text) and GET /api/cluster.
        JsonElement status = await WaitForSilosAsync(store, 3);
        JsonElement Silo(JsonElement doc, int pid) => doc.GetProperty("silos").EnumerateArray().Single(s => s.GetProperty("pid").GetInt32() == pid);
        Assert.Equal("dmz", Silo(status, dmz.Pid).GetProperty("labels").GetProperty("zone").GetString());
        Assert.Equal("edge", Silo(status, dmz.Pid).GetProperty("labels").GetProperty("tier").GetString());
        Assert.Equal("core", Silo(status, core.Pid).GetProperty("labels").GetProperty("zone").GetString());
        FanoutProcess.Result text = await FanoutProcess.RunAsync(_dir, "cluster", "status", "--store", store);
        Assert.Contains(text.Stdout.Split('\n'), l => l.Contains($":{dmz.Pid}", StringComparison.Ordinal) && l.TrimEnd().EndsWith(" tier=edge,zone=dmz", StringComparison.Ordinal));
        JsonElement api = await serve.Client.GetFromJsonAsync<JsonElement>(new Uri("/api/cluster", UriKind.Relative));
        Assert.Equal("core", Silo(api, core.Pid).GetProperty("labels").GetProperty("zone").GetString());
        Assert.Empty(api.GetProperty("silos").EnumerateArray().Single(s => s.GetProperty("role").GetString() == "api").GetProperty("labels").EnumerateObject());

        // A run asking for zone=dmz runs every target on the dmz worker; one asking for zone=core on the core worker.
        foreach ((string zone, string worker) in new[] { ("dmz", "dmz"), ("core", "core") })
        {
            string batch = await CreateAsync(serve, new
            {
                selector = new { all = true },
                action = new { type = "command", value = "echo ran-on-$FANOUT_TEST_WORKER" },
                options = new { parallel = 8, workerLabels = new Dictionary<string, string> { ["zone"] = zone } },
            });
            Assert.Equal("succeeded", (await WaitForEndAsync(serve, batch)).GetProperty("status").GetString());
            await using IRunStore runs = await StoreFactory.OpenAsync(store, CancellationToken.None);
            IReadOnlyList<TargetAttemptRecord> attempts = await runs.GetAttemptsAsync(batch, null, CancellationToken.None);
            Assert.Equal(24, attempts.Count);
            Assert.All(attempts, a => Assert.Equal($"ran-on-{worker}", a.Stdout?.Trim()));

            // The labels are recorded with the run, so an API resume or retry asks for the same workers.
            RunRecord? record = await runs.GetRunAsync(batch, CancellationToken.None);
            Assert.Equal(zone, RunDefinition.FromJson(record!.Operation!).WorkerLabels!["zone"]);
        }

        // Both labels must match: zone=dmz with tier=edge is the dmz worker; zone=core with tier=edge is nobody → 400, nothing recorded.
        using HttpResponseMessage nobody = await serve.Client.PostAsJsonAsync(new Uri("/api/executions/batch", UriKind.Relative), new
        {
            selector = new { all = true },
            action = new { type = "command", value = "touch " + Path.Combine(_dir, "must-not-run") },
            options = new { workerLabels = new Dictionary<string, string> { ["zone"] = "core", ["tier"] = "edge" } },
        });
        Assert.Equal(HttpStatusCode.BadRequest, nobody.StatusCode);
        JsonElement problem = await nobody.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("no live worker has the labels tier=edge,zone=core", problem.GetProperty("errors").GetProperty("options.workerLabels")[0].GetString(), StringComparison.Ordinal);

        // A malformed label and an atomic run asking for workers are refused too, naming the field.
        foreach (object options in new object[]
        {
            new { workerLabels = new Dictionary<string, string> { ["zone"] = "d m z" } },
            new { workerLabels = new Dictionary<string, string>() },
            new { failurePolicy = "atomic", rollback = "true", workerLabels = new Dictionary<string, string> { ["zone"] = "dmz" } },
        })
        {
            using HttpResponseMessage bad = await serve.Client.PostAsJsonAsync(new Uri("/api/executions/batch", UriKind.Relative), new
            {
                selector = new { all = true },
                action = new { type = "command", value = "touch " + Path.Combine(_dir, "must-not-run") },
                options,
            });
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.True((await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("options.workerLabels", out _));
        }

        Assert.False(File.Exists(Path.Combine(_dir, "must-not-run")));
        await using (IRunStore runs = await StoreFactory.OpenAsync(store, CancellationToken.None))
        {
            Assert.Equal(2, (await runs.QueryRunsAsync(new RunQuery(), CancellationToken.None)).Count);
        }

        // A run without labels may run on any worker: both take a share.
        string any = await CreateAsync(serve, "echo ran-on-$FANOUT_TEST_WORKER", parallel: 8);
        Assert.Equal("succeeded", (await WaitForEndAsync(serve, any)).GetProperty("status").GetString());
        await using (IRunStore runs = await StoreFactory.OpenAsync(store, CancellationToken.None))
        {
            var workers = (await runs.GetAttemptsAsync(any, null, CancellationToken.None)).Select(a => a.Stdout?.Trim()).ToHashSet();
            Assert.Equal(["ran-on-core", "ran-on-dmz"], workers.Order());
        }

        // A schedule asking for zone=dmz: fired by the clustered server, its run goes through the same distributor.
        using var admin = new HttpClient { BaseAddress = serve.Address, Timeout = TimeSpan.FromSeconds(120) };
        admin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await ServeProcess.CreateTokenAsync(_dir, store, "admin", "admin"));
        using HttpResponseMessage added = await admin.PostAsJsonAsync(new Uri("/api/schedules", UriKind.Relative), new
        {
            name = "dmz-nightly",
            cron = "0 3 * * *",
            selector = new { all = true },
            action = new { type = "command", value = "echo ran-on-$FANOUT_TEST_WORKER" },
            options = new { parallel = 8, workerLabels = new Dictionary<string, string> { ["zone"] = "dmz" } },
        });
        Assert.True(added.StatusCode == HttpStatusCode.Created, await added.Content.ReadAsStringAsync());
        using HttpResponseMessage fired = await admin.PostAsync(new Uri("/api/schedules/dmz-nightly/run", UriKind.Relative), null);
        Assert.True(fired.StatusCode == HttpStatusCode.Accepted, await fired.Content.ReadAsStringAsync());
        string scheduled = (await fired.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString()!;
        Assert.Equal("succeeded", (await WaitForEndAsync(serve, scheduled)).GetProperty("status").GetString());
        await using (IRunStore runs = await StoreFactory.OpenAsync(store, CancellationToken.None))
        {
            IReadOnlyList<TargetAttemptRecord> attempts = await runs.GetAttemptsAsync(scheduled, null, CancellationToken.None);
            Assert.Equal(24, attempts.Count);
            Assert.All(attempts, a => Assert.Equal("ran-on-dmz", a.Stdout?.Trim()));
        }
    }

    [Fact(Timeout = 300000)]
    public async Task WorkerLabels_BadLabelsOrARunTheCliWouldRunLocally_AreExit2()
    {
        string store = await postgres.CreateDatabaseAsync();
        FanoutProcess.Result bad = await FanoutProcess.RunAsync(_dir, "worker", "--store", store, "--labels", "zone");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--labels 'zone': 'zone' is not key=value", bad.Stderr, StringComparison.Ordinal);
        FanoutProcess.Result twice = await FanoutProcess.RunAsync(_dir, "worker", "--store", store, "--labels", "zone=a,zone=b");
        Assert.Equal(2, twice.ExitCode);
        Assert.Contains("label 'zone' is given twice", twice.Stderr, StringComparison.Ordinal);

        // A run recorded with worker labels (e.g. by a clustered server) is not resumed or retried by the CLI in its own process.
        string inventory = FanoutProcess.WriteInventory(_dir, 2);
        FanoutProcess.Result run = await FanoutProcess.RunAsync(_dir, "exec", "--store", store, "-i", inventory, "--all", "--yes", "-o", "json", "false");
        Assert.Equal(1, run.ExitCode);
        await using (IRunStore runs = await StoreFactory.OpenAsync(store, CancellationToken.None))
        {
            RunRecord record = (await runs.GetRunAsync((await runs.QueryRunsAsync(new RunQuery(), CancellationToken.None)).Single().RunId, CancellationToken.None))!;
            RunDefinition labelled = RunDefinition.FromJson(record.Operation!) with { WorkerLabels = WorkerLabels.Parse("zone=dmz") };
            await using var db = new Npgsql.NpgsqlConnection(Fanout.Storage.StoreLocation.Resolve(store, _ => null).Target);
            await db.OpenAsync();
            await using var update = new Npgsql.NpgsqlCommand("UPDATE runs SET operation = @o WHERE run_id = @r", db);
            update.Parameters.AddWithValue("o", labelled.ToJson());
            update.Parameters.AddWithValue("r", record.RunId);
            Assert.Equal(1, await update.ExecuteNonQueryAsync());

            FanoutProcess.Result retry = await FanoutProcess.RunAsync(_dir, "retry", record.RunId, "--store", store);
            Assert.Equal(2, retry.ExitCode);
            Assert.Contains("asks for cluster workers labelled zone=dmz", retry.Stderr, StringComparison.Ordinal);
            Assert.Single(await runs.QueryRunsAsync(new RunQuery(), CancellationToken.None));
        }
    }
}
