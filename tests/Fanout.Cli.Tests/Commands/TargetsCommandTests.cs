using System.Text.Json;

namespace Fanout.Cli.Tests.Commands;

public sealed class TargetsCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact(Timeout = 30000)]
    public async Task Targets_OutputJson_HasT6Shape()
    {
        string inventory = _cli.WriteFile("inv.yaml", """
            targets:
              web-01: { host: 10.0.0.1, port: 2222, user: deploy, transport: ssh, tags: { env: prod }, groups: [web], vars: { weight: 3, name: x } }
              db-01: { transport: local }
            """);

        (int exit, string stdout, _) = await _cli.RunAsync("targets", "-i", inventory, "--tag", "env=prod", "--output", "json");

        Assert.Equal(ExitCodes.Success, exit);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        JsonElement target = Assert.Single(doc.RootElement.GetProperty("targets").EnumerateArray());
        Assert.Equal(["name", "host", "port", "user", "transport", "groups", "tags", "vars"], target.EnumerateObject().Select(p => p.Name));
        Assert.Equal("web-01", target.GetProperty("name").GetString());
        Assert.Equal("10.0.0.1", target.GetProperty("host").GetString());
        Assert.Equal(2222, target.GetProperty("port").GetInt32());
        Assert.Equal("deploy", target.GetProperty("user").GetString());
        Assert.Equal("ssh", target.GetProperty("transport").GetString());
        Assert.Equal("web", target.GetProperty("groups")[0].GetString());
        Assert.Equal("prod", target.GetProperty("tags").GetProperty("env").GetString());
        Assert.Equal("x", target.GetProperty("vars").GetProperty("name").GetString());
    }

    [Fact(Timeout = 30000)]
    public async Task Targets_NoSelector_ListsEveryTargetAsTable()
    {
        string inventory = _cli.WriteInventory(3);

        (int exit, string stdout, _) = await _cli.RunAsync("targets", "-i", inventory);

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Contains("node-03", stdout, StringComparison.Ordinal);
        Assert.Contains("3 targets", stdout, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30000)]
    public async Task Targets_OutputCsv_ListsSelection()
    {
        string inventory = _cli.WriteInventory(3);

        (int exit, string stdout, _) = await _cli.RunAsync("targets", "-i", inventory, "--group", "web", "--output", "csv");

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Equal("name,host,port,user,transport,groups,tags\r\nnode-01,node-01,,,local,web,env=prod\r\nnode-02,node-02,,,local,web,env=staging\r\n", stdout);
    }
}
