using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fanout.Runs;

namespace Fanout.Storage.Tests.Cli;

/// <summary>
/// Issue 9: schedule fire of script, sync and lifecycle runs. The schedule is added through the CLI (<c>fanout schedule add --script|--sync|--lifecycle</c>)
/// or the API (<c>POST /api/schedules</c>), and a real <c>fanout serve</c> fires it: the run is in history with its kind, recorded with its
/// definition, and every target ran.
/// </summary>
public sealed partial class RunModelTests
{
    public static TheoryData<string, string> ScheduleCases() => new()
    {
        { "script", "cli" },
        { "script", "api" },
        { "sync", "cli" },
        { "lifecycle", "cli" },
        { "lifecycle", "api" },
    };

    [Theory(Timeout = 180000)]
    [MemberData(nameof(ScheduleCases))]
    public async Task Schedule_FiredByServe_RunsTheKindOnEveryTarget(string kind, string surface)
    {
        string inventory = kind == "sync" ? SyncInventory(0, []) : _inventory;
        string token = await ServeProcess.CreateTokenAsync(_dir, _store, "admin", "admin");
        if (surface == "cli")
        {
            string[] what = kind switch
            {
                "script" => ["--script", Write("step.sh", "#!/bin/sh\n" + Step("$1", "$FANOUT_TARGET") + "\n"), "--script-arg", "scripted"],
                "sync" => ["--sync", Write("payload.txt", "payload"), SyncedFile],
                _ => ["--lifecycle", "status"],
            };
            FanoutProcess.Result add = await Fanout(["schedule", "add", "--cron", "*/1 * * * * *", "--name", "every-second", .. what, "-i", inventory, "--all"]);
            Assert.True(add.ExitCode == 0, $"exit {add.ExitCode}: {add.Stderr}");
        }

        await using (ServeProcess serve = await ServeProcess.StartAsync(_dir, _store, token, "-i", inventory))
        {
            if (surface == "api")
            {
                object action = kind == "script"
                    ? new { type = "script", value = "#!/bin/sh\n" + Step("scripted", "$FANOUT_TARGET") + "\n", parameters = new { name = "step.sh" } }
                    : new { type = "task", value = "status" };
                using HttpResponseMessage response = await serve.Client.PostAsJsonAsync("/api/schedules", new { name = "every-second", cron = "*/1 * * * * *", selector = new { all = true }, action });
                string body = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.Created, $"{response.StatusCode}: {body}");
                Assert.Equal(kind, JsonDocument.Parse(body).RootElement.GetProperty("kind").GetString());
            }

            RunRecord run = await WaitForScheduledRunAsync(serve);
            Assert.Equal(RunStatus.Succeeded, run.Status);
            Assert.Equal("schedule:every-second", run.Actor);
            Assert.Equal(kind, run.Kind);
            Assert.Equal(3, run.Counts.Succeeded);
            Assert.Equal(kind, RunDefinition.FromJson(run.Operation!).Kind);
        }

        if (kind == "sync")
        {
            Assert.Equal("payload", File.ReadAllText(SyncedFile));
        }
        else
        {
            string word = kind == "script" ? "scripted" : "status";
            Assert.All(Targets, t => Assert.Contains($"{word} {t}", LogLines()));
        }
    }

    /// <summary>Waits (at most 90 s) for the first run the schedule started to end.</summary>
    private async Task<RunRecord> WaitForScheduledRunAsync(ServeProcess serve)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (true)
        {
            Assert.False(serve.HasExited, "fanout serve exited");
            await using (IRunStore s = await StoreFactory.OpenAsync(_store, CancellationToken.None))
            {
                IReadOnlyList<RunRecord> runs = await s.QueryRunsAsync(new RunQuery { Limit = 20 }, CancellationToken.None);
                if (runs.Where(r => r.Actor == "schedule:every-second" && r.EndedAt is not null).OrderBy(r => r.StartedAt).FirstOrDefault() is { } ended)
                {
                    return (await s.GetRunAsync(ended.RunId, CancellationToken.None))!; // the list leaves the definition out
                }
            }

            await Task.Delay(250, deadline.Token);
        }
    }
}
