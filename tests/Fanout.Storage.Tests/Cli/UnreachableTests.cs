using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Fanout.Storage.Tests.Cli;

/// <summary>
/// Targets that never got a session are <c>unreachable</c>, not <c>failed</c> (issue 11 item 4), through the real
/// <c>fanout</c> executable and a real SQLite store: an SSH target on a closed loopback port next to local targets.
/// </summary>
public sealed class UnreachableTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-unreachable-").FullName;
    private readonly string _store;
    private readonly string _inventory;

    public UnreachableTests()
    {
        _store = Path.Combine(_dir, "store.db");
        _inventory = Path.Combine(_dir, "inventory.yaml");
        File.WriteAllText(_inventory, $$"""
            targets:
              ok1: {transport: local}
              bad1: {transport: local}
              down1: {host: 127.0.0.1, port: {{ClosedPort()}}, user: nobody, transport: ssh}
            """);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Task<FanoutProcess.Result> Fanout(params string[] args) => FanoutProcess.RunAsync(_dir, [.. args, "--store", _store]);

    [Fact(Timeout = 120000)]
    public async Task RefusedSshTarget_IsUnreachable_CountedApart_AndRetryUnreachableAimsAtItAlone()
    {
        FanoutProcess.Result run = await Fanout("exec", "test \"$FANOUT_TARGET\" != bad1", "-i", _inventory, "--all", "--yes", "-q", "-o", "json",
            "--identity", WriteKey());

        Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}: {run.Stderr}");
        JsonElement doc = JsonDocument.Parse(run.Stdout).RootElement;
        Dictionary<string, string> states = doc.GetProperty("targets").EnumerateArray()
            .ToDictionary(t => t.GetProperty("target").GetString()!, t => t.GetProperty("state").GetString()!);
        Assert.Equal("succeeded", states["ok1"]);
        Assert.Equal("failed", states["bad1"]);
        Assert.Equal("unreachable", states["down1"]);
        JsonElement summary = doc.GetProperty("summary");
        Assert.Equal(1, summary.GetProperty("unreachable").GetInt32());
        Assert.Equal(1, summary.GetProperty("failed").GetInt32());
        string error = doc.GetProperty("targets").EnumerateArray().Single(t => t.GetProperty("target").GetString() == "down1").GetProperty("error").GetString()!;
        Assert.Contains("refused", error, StringComparison.OrdinalIgnoreCase);
        string runId = doc.GetProperty("runId").GetString()!;

        // The table and history tell it apart too.
        FanoutProcess.Result table = await Fanout("show", runId);
        Assert.Contains("1 unreachable", table.Stdout);
        FanoutProcess.Result history = await Fanout("history", "-o", "json");
        JsonElement row = JsonDocument.Parse(history.Stdout).RootElement.GetProperty("runs")[0];
        Assert.Equal(1, row.GetProperty("unreachable").GetInt32());
        Assert.Equal(2, row.GetProperty("failed").GetInt32()); // failed + timed-out + unreachable

        // retry --unreachable runs the unreachable target only; --failed takes both.
        FanoutProcess.Result retry = await Fanout("retry", runId, "--unreachable", "-q", "-o", "json");
        JsonElement retried = JsonDocument.Parse(retry.Stdout).RootElement;
        Assert.Equal(["down1"], retried.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("target").GetString()!).ToArray());
        Assert.Equal("unreachable", retried.GetProperty("targets")[0].GetProperty("state").GetString());
        FanoutProcess.Result failed = await Fanout("retry", runId, "--failed", "-q", "-o", "json");
        Assert.Equal(["bad1", "down1"], JsonDocument.Parse(failed.Stdout).RootElement.GetProperty("targets").EnumerateArray()
            .Select(t => t.GetProperty("target").GetString()!).Order(StringComparer.Ordinal).ToArray());
    }

    private string WriteKey()
    {
        // Any readable key file will do: the connection is refused before authentication.
        string key = Path.Combine(_dir, "id_test");
        if (!File.Exists(key))
        {
            System.Diagnostics.Process.Start("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key])!.WaitForExit();
        }

        return key;
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
