using System.IO.Compression;
using System.Xml.Linq;
using Fanout.Core.Tests.Support;

namespace Fanout.Core.Tests.Packaging;

/// <summary>
/// Proof that the NuGet package works, not just the project reference: packs Fanout.Core (the build
/// this test was compiled with, <c>--no-build</c>) into a folder feed under a unique version, checks
/// the package's contents, then creates a fresh console project outside the repository that
/// references <c>Fanout.Core</c> by that version from the feed, builds it and runs it against local
/// targets from an inventory file.
/// </summary>
public sealed class PackageConsumerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-consumer-").FullName;
    private readonly string _version = "0.0.0-consumertest." + Guid.NewGuid().ToString("N")[..12];

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);

        // The unique version was extracted into the global packages folder by the consumer's restore.
        string globalPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string extracted = Path.Combine(globalPackages, "fanout.core", _version);
        if (Directory.Exists(extracted))
        {
            Directory.Delete(extracted, recursive: true);
        }
    }

    [Fact]
    public async Task PackedFanoutCoreIsConsumableFromAFolderFeed()
    {
        string feed = Path.Combine(_dir, "feed");
        string project = Path.Combine(RepoProcess.Root, "src", "Fanout.Core", "Fanout.Core.csproj");
        RepoProcess.Result pack = await RepoProcess.RunAsync(
            "dotnet",
            ["pack", project, "-c", RepoProcess.Configuration, "--no-build", "-o", feed, $"-p:PackageVersion={_version}", "-nologo"],
            RepoProcess.Root,
            TimeSpan.FromMinutes(3));
        Assert.True(pack.ExitCode == 0, pack.ToString());

        string nupkg = Path.Combine(feed, $"Fanout.Core.{_version}.nupkg");
        Assert.True(File.Exists(nupkg), pack.ToString());
        Assert.True(File.Exists(Path.Combine(feed, $"Fanout.Core.{_version}.snupkg")), "no symbols package");
        AssertPackageContents(nupkg);

        string consumer = Path.Combine(_dir, "consumer");
        Directory.CreateDirectory(consumer);
        await File.WriteAllTextAsync(Path.Combine(consumer, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local-feed" value="{feed}" />
                <add key="offline" value="/opt/nuget/packages" />
              </packageSources>
            </configuration>
            """);
        await File.WriteAllTextAsync(Path.Combine(consumer, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Fanout.Core" Version="[{_version}]" />
              </ItemGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(consumer, "fleet.yaml"), """
            defaults:
              transport: local
            targets:
              app1: {tags: {role: app}}
              app2: {tags: {role: app}}
              app3: {tags: {role: app}}
              db1: {tags: {role: db}}
            """);
        await File.WriteAllTextAsync(Path.Combine(consumer, "Program.cs"), """
            using Fanout.Execution;
            using Fanout.Inventory;
            using Fanout.Operations;
            using Fanout.Selection;
            using Fanout.Transports;

            Inventory inventory = await InventoryLoader.LoadAsync([Path.Combine(AppContext.BaseDirectory, "fleet.yaml")], CancellationToken.None);
            TargetSet apps = Selector.Select(inventory, new SelectionCriteria { Tags = ["role=app"] });
            var executor = new BatchExecutor(new ExecutionOptions { MaxConcurrency = 2, BatchSizes = [WaveSize.Parse("2")] });
            BatchResult result = await executor.ExecuteAsync(new CommandOperation(CommandSpec.Sh("echo \"pong from $FANOUT_TARGET\"")), apps);
            foreach (TargetOutcome o in result.Outcomes)
            {
                Console.WriteLine($"{o.Target} wave {o.Wave} {o.State.ToWireName()}: {o.Stdout.Text.Trim()}");
            }

            BatchResult atomic = await executor.ExecuteWithRollbackAsync(
                Operation.FromDelegate("flip", (t, ctx, ct) => Task.FromResult(t.Name == "app3" ? OperationResult.Failed("no") : OperationResult.Succeeded()), (t, ctx, ct) => Task.FromResult(OperationResult.Succeeded())),
                apps);
            Console.WriteLine($"rolled back {atomic.Rollbacks.Count}, partially failed {atomic.RollbackPartiallyFailed}, failed targets {string.Join(",", atomic.FailedTargets.Select(t => t.Name))}");
            return result.AllSucceeded && result.Successes.Count == 3 ? 0 : 1;
            """);

        RepoProcess.Result build = await RepoProcess.RunAsync("dotnet", ["build", "-c", "Release", "-nologo", "-o", Path.Combine(consumer, "out")], consumer, TimeSpan.FromMinutes(5));
        Assert.True(build.ExitCode == 0, build.ToString());
        File.Copy(Path.Combine(consumer, "fleet.yaml"), Path.Combine(consumer, "out", "fleet.yaml"));

        // The consumer compiled against the package's assembly, not a project in this repository.
        string assets = await File.ReadAllTextAsync(Path.Combine(consumer, "obj", "project.assets.json"));
        Assert.Contains($"\"Fanout.Core/{_version}\"", assets, StringComparison.Ordinal);

        RepoProcess.Result run = await RepoProcess.RunAsync("dotnet", [Path.Combine(consumer, "out", "Consumer.dll")], consumer, TimeSpan.FromMinutes(2));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("app1 wave 1 succeeded: pong from app1", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("app2 wave 1 succeeded: pong from app2", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("app3 wave 2 succeeded: pong from app3", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("db1", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("rolled back 2, partially failed False, failed targets app3", run.Stdout, StringComparison.Ordinal);
    }

    private void AssertPackageContents(string nupkg)
    {
        using ZipArchive zip = ZipFile.OpenRead(nupkg);
        string[] entries = [.. zip.Entries.Select(e => e.FullName)];
        Assert.Contains("lib/net10.0/Fanout.Core.dll", entries);
        Assert.Contains("lib/net10.0/Fanout.Core.xml", entries);
        Assert.Contains("README.md", entries);

        using Stream nuspecStream = zip.GetEntry("Fanout.Core.nuspec")!.Open();
        XElement metadata = XDocument.Load(nuspecStream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string Field(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value ?? "";
        Assert.Equal("Fanout.Core", Field("id"));
        Assert.Equal(_version, Field("version"));
        Assert.Equal("MIT", Field("license"));
        Assert.Equal("README.md", Field("readme"));
        Assert.False(string.IsNullOrWhiteSpace(Field("authors")));
        Assert.False(string.IsNullOrWhiteSpace(Field("description")));
        Assert.Contains("YamlDotNet", metadata.ToString(), StringComparison.Ordinal);
    }
}
