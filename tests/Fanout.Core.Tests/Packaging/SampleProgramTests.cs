using Fanout.Core.Tests.Support;

namespace Fanout.Core.Tests.Packaging;

/// <summary>
/// Runs every sample under samples/ (built with this test project, same configuration) and checks
/// what it prints, so the samples docs/library.md points to keep doing what they say.
/// </summary>
public sealed class SampleProgramTests
{
    public static TheoryData<string, string[]> Samples => new()
    {
        { "AtomicRollback", ["1. all healthy: 5/5 on v2, 0 rollbacks", "cache4 failed, cache5 not-run", "rolled back: cache1 ok, cache2 ok, cache3 ok", "versions now: cache1=v1, cache2=v1, cache3=v1, cache4=v1, cache5=v1", "rollback partially failed: True", "cache2: config locked by another process"] },
        { "LocalCommands", ["worker1   succeeded exit 0  hello from worker1 (worker)", "worker4   succeeded exit 0  hello from worker4 (worker)", "slowpoke  timed-out exit -  timed out after 2s", "retried 1: slowpoke succeeded 'hello from slowpoke (slow)'"] },
        { "ProgressTracking", ["[20/20]", "20 of 20 succeeded", "events streamed"] },
        { "PartialFailureRetry", ["run 1: 8/10 succeeded", "db03: failed — connection refused", "run 2 (only the 2 that failed): 2/2 succeeded", "db05 took 2 attempts in run 1"] },
        { "Chain", ["migrate  app3", "migrate  app6", "drain    6 succeeded, 0 failed", "upgrade  6 succeeded, 0 failed", "restore  6 succeeded, 0 failed"] },
        { "CancellationDeadline", ["cancelled: True, reason: overall timeout", "node04: overall timeout"] },
        { "HealthCheck", ["api2  failed    status 503  unhealthy: HTTP 503", "api4  failed    status -    validation failed:", "success rate 50", "2 of 4 targets did not succeed"] },
    };

    [Fact]
    public void EverySampleIsCovered()
    {
        string[] onDisk = [.. Directory.GetFiles(Path.Combine(RepoProcess.Root, "samples"), "*.csproj", SearchOption.AllDirectories)
            .Select(Path.GetFileNameWithoutExtension)
            .Order(StringComparer.Ordinal)!];
        string[] tested = [.. Samples.Select(row => (string)row[0]).Order(StringComparer.Ordinal)];
        Assert.Equal(onDisk, tested);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task SampleRunsAndPrintsWhatItShows(string sample, string[] expected)
    {
        string dll = Path.Combine(RepoProcess.Root, "samples", sample, "bin", RepoProcess.Configuration, "net10.0", sample + ".dll");
        Assert.True(File.Exists(dll), $"{dll} is not built (tests/Fanout.Core.Tests references every sample project)");

        RepoProcess.Result result = await RepoProcess.RunAsync("dotnet", [dll], Path.GetTempPath(), TimeSpan.FromMinutes(2));

        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (string line in expected)
        {
            Assert.True(result.Stdout.Contains(line, StringComparison.Ordinal), $"'{line}' missing from the output of {sample}:\n{result}");
        }
    }
}
