using System.Diagnostics;

namespace Fanout.Cli.Tests.Trust;

/// <summary>The real built <c>fanout</c> executable, started as an operator or CI would start it (no terminal).</summary>
internal sealed class FanoutExe : IDisposable
{
    private readonly System.Text.StringBuilder _stdoutSoFar = new();

    private FanoutExe(Process process)
    {
        Process = process;
        Stdout = ReadAsync(process.StandardOutput, _stdoutSoFar);
        Stderr = process.StandardError.ReadToEndAsync();
    }

    public Process Process { get; }

    /// <summary>What the process wrote to stdout so far (it is still running, maybe).</summary>
    public string StdoutSoFar
    {
        get
        {
            lock (_stdoutSoFar)
            {
                return _stdoutSoFar.ToString();
            }
        }
    }

    public Task<string> Stdout { get; }

    public Task<string> Stderr { get; }

    public static FanoutExe Start(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        // Through env --default-signal: a test run started in the background of a non-interactive shell inherits
        // SIGINT as ignored (POSIX), and .NET keeps an inherited ignore — the operator's Ctrl-C is what these tests send.
        var start = new ProcessStartInfo("env")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--default-signal=INT,TERM,HUP");
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "fanout.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment.Remove("FANOUT_INVENTORY");
        start.Environment["FANOUT_STORE"] = Path.Combine(workingDirectory, "runs.db");
        start.Environment["XDG_CONFIG_HOME"] = Path.Combine(workingDirectory, ".config");
        start.Environment.Remove("FANOUT_CONFIG");
        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        Process process = Process.Start(start)!;
        process.StandardInput.Close();
        return new FanoutExe(process);
    }

    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string workingDirectory, params string[] args)
    {
        using FanoutExe fanout = Start(workingDirectory, null, args);
        return await fanout.WaitAsync(TimeSpan.FromSeconds(120));
    }

    public async Task<(int Exit, string Stdout, string Stderr)> WaitAsync(TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        await Process.WaitForExitAsync(timeout.Token);
        return (Process.ExitCode, await Stdout, await Stderr);
    }

    /// <summary>Waits until stdout shows <paramref name="text"/>; false when the process ended or <paramref name="limit"/> passed first.</summary>
    public async Task<bool> WaitForStdoutAsync(string text, TimeSpan limit)
    {
        var watch = Stopwatch.StartNew();
        while (!StdoutSoFar.Contains(text, StringComparison.Ordinal))
        {
            if (watch.Elapsed > limit || Process.HasExited)
            {
                await Task.Delay(200);
                return StdoutSoFar.Contains(text, StringComparison.Ordinal);
            }

            await Task.Delay(50);
        }

        return true;
    }

    private static async Task<string> ReadAsync(StreamReader reader, System.Text.StringBuilder soFar)
    {
        char[] buffer = new char[4096];
        int n;
        while ((n = await reader.ReadAsync(buffer)) > 0)
        {
            lock (soFar)
            {
                soFar.Append(buffer, 0, n);
            }
        }

        lock (soFar)
        {
            return soFar.ToString();
        }
    }

    /// <summary>Whether a process with this PID exists (and is not a zombie).</summary>
    public static bool IsAlive(int pid)
    {
        string status = $"/proc/{pid}/status";
        try
        {
            return File.Exists(status) && !File.ReadAllText(status).Contains("State:\tZ", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Waits until <paramref name="count"/> files matching <paramref name="pattern"/> hold a PID each; returns the PIDs.</summary>
    public static async Task<List<int>> WaitForPidFilesAsync(string directory, string pattern, int count, TimeSpan limit)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var pids = Directory.GetFiles(directory, pattern)
                .Select(f => int.TryParse(File.ReadAllText(f).Trim(), out int pid) ? pid : 0)
                .Where(p => p > 0).ToList();
            if (pids.Count >= count)
            {
                return pids;
            }

            if (watch.Elapsed > limit)
            {
                throw new TimeoutException($"only {pids.Count} of {count} pid files in {directory} after {limit}");
            }

            await Task.Delay(100);
        }
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
        }

        Process.Dispose();
    }
}
