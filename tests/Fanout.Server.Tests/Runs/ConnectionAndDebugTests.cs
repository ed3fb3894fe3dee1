using System.Net;
using System.Text.Json;
using Fanout.Security;
using Microsoft.Data.Sqlite;

namespace Fanout.Server.Tests.Runs;

/// <summary>
/// Seed 003's connection metadata in results and stack traces in a debug mode, through a real <c>fanout serve</c>: each
/// target's transport, host, port and user (from the inventory, never its secret vars) in the status document, the logs and
/// the JSON export; an internal error's exception in its 500 only with <c>--debug</c> and only for admins.
/// </summary>
public sealed class ConnectionAndDebugTests
{
    private const string Secret = "hunter2-do-not-show";

    [Fact(Timeout = 120000)]
    public async Task Connection_OfEachTarget_InTheStatusDocumentLogsAndExport_NeverItsSecrets()
    {
        await using ServerHost host = await ServerHost.StartAsync(bigTargets: 0,
            extraTargets: $"  r01: {{ transport: ssh, host: 127.0.0.1, port: 1, user: netops, vars: {{ ansible_password: {Secret} }} }}\n");
        string id = await host.CreateBatchAsync(new { targetNodeIds = new[] { "t01", "r01" }, action = new { type = "command", value = "echo hi" } });
        JsonElement status = await host.WaitFinishedAsync(id);

        JsonElement r01 = status.GetProperty("executions").EnumerateArray().Single(e => e.GetProperty("nodeId").GetString() == "r01");
        Assert.Equal("unreachable", r01.GetProperty("state").GetString());
        AssertSsh(r01.GetProperty("connection"));
        JsonElement t01 = status.GetProperty("executions").EnumerateArray().Single(e => e.GetProperty("nodeId").GetString() == "t01");
        Assert.Equal("local", t01.GetProperty("connection").GetProperty("transport").GetString());
        Assert.Equal(JsonValueKind.Null, t01.GetProperty("connection").GetProperty("host").ValueKind);

        JsonElement logs = await host.GetJsonAsync($"/api/runs/{id}/logs?target=r01");
        AssertSsh(logs.GetProperty("attempts")[0].GetProperty("connection"));
        JsonElement export = await host.GetJsonAsync($"/api/runs/{id}/export?format=json");
        AssertSsh(export.GetProperty("targets").EnumerateArray().Single(t => t.GetProperty("target").GetString() == "r01").GetProperty("connection"));

        using HttpClient viewer = host.Client(ApiRole.Viewer);
        foreach (string path in new[] { $"/api/executions/batch/{id}", $"/api/runs/{id}/logs", $"/api/runs/{id}/export?format=json" })
        {
            Assert.DoesNotContain(Secret, await viewer.GetStringAsync(path), StringComparison.Ordinal);
        }

        static void AssertSsh(JsonElement c)
        {
            Assert.Equal("ssh", c.GetProperty("transport").GetString());
            Assert.Equal("127.0.0.1", c.GetProperty("host").GetString());
            Assert.Equal(1, c.GetProperty("port").GetInt32());
            Assert.Equal("netops", c.GetProperty("user").GetString());
        }
    }

    [Fact(Timeout = 120000)]
    public async Task Debug_AnInternalErrorsException_IsInIts500ForAdminsOnly_AndOnlyWithDebug()
    {
        foreach (bool debug in new[] { true, false })
        {
            await using ServerHost host = await ServerHost.StartAsync(bigTargets: 0, tune: o => o with { Debug = debug, RunScheduler = false });
            // A real internal error: the store loses its schedules table under the running server.
            await using (var db = new SqliteConnection($"Data Source={Path.Combine(host.Directory, "fanout.db")}"))
            {
                await db.OpenAsync();
                await using SqliteCommand drop = db.CreateCommand();
                drop.CommandText = "DROP TABLE schedules";
                await drop.ExecuteNonQueryAsync();
            }

            foreach (ApiRole role in new[] { ApiRole.Admin, ApiRole.Operator, ApiRole.Viewer })
            {
                using HttpClient client = host.Client(role);
                using HttpResponseMessage response = await client.GetAsync("/api/schedules");
                string text = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.InternalServerError, text);
                JsonElement problem = JsonDocument.Parse(text).RootElement;
                if (debug && role == ApiRole.Admin)
                {
                    JsonElement exception = problem.GetProperty("exception");
                    Assert.Contains("Sqlite", exception.GetProperty("type").GetString(), StringComparison.Ordinal);
                    Assert.Contains("schedules", exception.GetProperty("message").GetString(), StringComparison.Ordinal);
                    Assert.Contains(" at ", exception.GetProperty("stackTrace").GetString(), StringComparison.Ordinal);
                }
                else
                {
                    Assert.False(problem.TryGetProperty("exception", out _), $"{role} debug={debug}: {text}");
                    Assert.DoesNotContain(" at ", text, StringComparison.Ordinal);
                }
            }
        }
    }
}
