using System.Diagnostics;
using System.Text;

namespace Fanout.Storage.Tests.Cli;

/// <summary>Starts the real <c>fanout</c> executable (the build output of src/Fanout.Cli) in a working directory.</summary>
internal static class FanoutProcess
{
    private static readonly Lazy<string> Executable = new(Locate);

    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>The path of <c>fanout.dll</c>.</summary>
    public static string ExecutablePath => Executable.Value;

    /// <summary>Finds <c>src/Fanout.Cli/bin/CONFIG/net10.0/fanout.dll</c> from the test's own output directory (same configuration).</summary>
    private static string Locate()
    {
        string baseDir = AppContext.BaseDirectory;
        var dir = new DirectoryInfo(baseDir);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Fanout.slnx")))
        {
            dir = dir.Parent;
        }

        if (dir is null)
        {
            throw new InvalidOperationException($"cannot find the repository root (Fanout.slnx) above {baseDir}");
        }

        string configuration = baseDir.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        string dll = Path.Combine(dir.FullName, "src", "Fanout.Cli", "bin", configuration, "net10.0", "fanout.dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"the fanout executable is not built: {dll} is missing");
    }

    public static Process Start(string workingDirectory, params string[] args) => Start(workingDirectory, null, args);

    /// <summary>Starts fanout with extra environment variables.</summary>
    public static Process Start(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Executable.Value);
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment.Remove("FANOUT_STORE");
        info.Environment.Remove("FANOUT_INVENTORY");
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        return Process.Start(info)!;
    }

    public static Task<Result> RunAsync(string workingDirectory, params string[] args) => RunAsync(workingDirectory, null, args);

    /// <summary>Reads a workflow run's stderr until it names the run to approve (<c>fanout approve RUN_ID …</c>); <see langword="null"/> if it never does.</summary>
    public static async Task<string?> ReadApprovalRunIdAsync(Process run)
    {
        while (await run.StandardError.ReadLineAsync() is { } line)
        {
            int at = line.IndexOf("fanout approve ", StringComparison.Ordinal);
            if (at >= 0)
            {
                return line[(at + "fanout approve ".Length)..].Split(' ')[0];
            }
        }

        return null;
    }

    /// <summary>Stops a long-running fanout process as an operator would: SIGTERM, then SIGKILL of its tree after <paramref name="grace"/>.</summary>
    /// <returns>Whether it exited within the grace period.</returns>
    public static async Task<bool> TerminateAsync(Process process, TimeSpan grace)
    {
        if (process.HasExited)
        {
            return true;
        }

        using (Process kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
        {
            await kill.WaitForExitAsync();
        }

        using var deadline = new CancellationTokenSource(grace);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return false;
        }
    }

    /// <summary>Runs fanout to its end with extra environment variables.</summary>
    public static async Task<Result> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        using Process p = Start(workingDirectory, environment, args);
        p.StandardInput.Close();
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await p.WaitForExitAsync(timeout.Token);
        return new Result(p.ExitCode, await stdout, await stderr);
    }

    /// <summary>Writes a native inventory of <paramref name="count"/> local targets named t000, t001, … and returns its path.</summary>
    public static string WriteInventory(string directory, int count)
    {
        var yaml = new StringBuilder("defaults:\n  transport: local\ntargets:\n");
        for (int i = 0; i < count; i++)
        {
            yaml.Append("  t").Append(i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture)).Append(": {}\n");
        }

        string path = Path.Combine(directory, "inventory.yaml");
        File.WriteAllText(path, yaml.ToString());
        return path;
    }
}
