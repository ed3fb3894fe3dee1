using System.Text.RegularExpressions;
using Fanout.Security;

namespace Fanout.Server.Tests;

/// <summary>The OpenAPI document is a public contract: it is compared with the approved snapshot (STYLE 19).</summary>
public sealed partial class OpenApiSnapshotTests
{
    [Fact(Timeout = 60000)]
    public async Task OpenApiDocument_MatchesApprovedSnapshot()
    {
        await using ServerHost host = await ServerHost.StartAsync(bigTargets: 1);
        using HttpClient client = host.Client(ApiRole.Viewer);
        string actual = PortPattern().Replace(await client.GetStringAsync("/openapi/v1.json"), "http://127.0.0.1:PORT/").ReplaceLineEndings("\n");

        string approved = Path.Combine(AppContext.BaseDirectory, "Snapshots", "openapi.v1.json");
        string expected = File.Exists(approved) ? (await File.ReadAllTextAsync(approved)).ReplaceLineEndings("\n") : string.Empty;
        if (expected != actual)
        {
            // Write the received document next to the approved one, for review (copy it over the snapshot to approve).
            string received = Path.Combine(SourceDirectory(), "Snapshots", "openapi.v1.received.json");
            await File.WriteAllTextAsync(received, actual);
        }

        Assert.Equal(expected, actual);
        Assert.Contains("\"/api/executions/batch/{id}/events\"", actual, StringComparison.Ordinal);
    }

    // The project folder, found from the test assembly's folder (a CI build maps source paths to /_/).
    private static string SourceDirectory()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "Fanout.Server.Tests.csproj")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        return dir ?? AppContext.BaseDirectory;
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+/")]
    private static partial Regex PortPattern();
}
