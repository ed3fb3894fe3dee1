using System.Diagnostics;
using System.IO.Compression;

namespace Fanout.Cli.Tests.Packaging;

/// <summary>
/// The <c>fanout</c> .NET tool package: packed from this build (<c>--no-build</c>) under a unique version,
/// installed from a folder feed into a private tool path, and run.
/// </summary>
public sealed class ToolPackageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-tool-").FullName;
    private readonly string _version = "0.0.0-tooltest." + Guid.NewGuid().ToString("N")[..12];

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact(Timeout = 600_000)]
    public async Task PackedToolInstallsAndRunsAsFanout()
    {
        string root = RepoRoot();
        string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        string feed = Path.Combine(_dir, "feed");
        (int packExit, string packOut) = await RunAsync("dotnet", root, "pack", Path.Combine(root, "src", "Fanout.Cli", "Fanout.Cli.csproj"), "-c", configuration, "--no-build", "-o", feed, $"-p:PackageVersion={_version}", "-nologo");
        Assert.True(packExit == 0, packOut);

        string nupkg = Path.Combine(feed, $"Fanout.Cli.{_version}.nupkg");
        using (ZipArchive zip = ZipFile.OpenRead(nupkg))
        {
            string[] entries = [.. zip.Entries.Select(e => e.FullName)];
            Assert.Contains("tools/net10.0/any/fanout.dll", entries);
            Assert.Contains("tools/net10.0/any/Fanout.Core.dll", entries);
            Assert.Contains("README.md", entries);
            using var settings = new StreamReader(zip.GetEntry("tools/net10.0/any/DotnetToolSettings.xml")!.Open());
            Assert.Contains("Name=\"fanout\"", await settings.ReadToEndAsync(), StringComparison.Ordinal);
        }

        Assert.True(File.Exists(Path.Combine(feed, $"Fanout.Cli.{_version}.snupkg")), "no symbols package");

        string tools = Path.Combine(_dir, "tools");
        (int installExit, string installOut) = await RunAsync("dotnet", _dir, "tool", "install", "Fanout.Cli", "--tool-path", tools, "--version", _version, "--add-source", feed, "--ignore-failed-sources");
        Assert.True(installExit == 0, installOut);

        (int helpExit, string help) = await RunAsync(Path.Combine(tools, "fanout"), _dir, "--help");
        Assert.True(helpExit == 0, help);
        Assert.Contains("exec", help, StringComparison.Ordinal);
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Fanout.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("cannot find Fanout.slnx");
    }

    private static async Task<(int Exit, string Output)> RunAsync(string file, string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, WorkingDirectory = workingDirectory };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using Process process = Process.Start(start)!;
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, $"exit {process.ExitCode}\n{await stdout}\n{await stderr}");
    }
}
