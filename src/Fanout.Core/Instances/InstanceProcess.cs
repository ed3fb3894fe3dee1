using System.Diagnostics;

namespace Fanout.Instances;

/// <summary>Runs tmux and git for instance operations: argv only (no shell), output captured, killed on cancellation.</summary>
internal static class InstanceProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public bool Ok => ExitCode == 0;

        /// <summary>A one-line reason for a failure: stderr's first non-empty line, else the exit code.</summary>
        public string Reason => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? $"exit code {ExitCode}";
    }

    /// <summary>How long a synchronous check (used by validation) may take.</summary>
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(30);

    public static async Task<Result> RunAsync(string file, IEnumerable<string> args, string? workingDirectory, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? environment = null)
    {
        using Process process = Start(file, args, workingDirectory, environment);
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        Task<string> stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            throw;
        }

        return new Result(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    /// <summary>Runs a quick check synchronously (validation is synchronous by contract).</summary>
    public static Result Run(string file, IEnumerable<string> args, string? workingDirectory = null)
    {
        using Process process = Start(file, args, workingDirectory, null);
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(CheckTimeout))
        {
            Kill(process);
            return new Result(-1, string.Empty, $"{file} did not answer within {CheckTimeout.TotalSeconds:0} s");
        }

        return new Result(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    private static Process Start(string file, IEnumerable<string> args, string? workingDirectory, IReadOnlyDictionary<string, string>? environment)
    {
        ProcessStartInfo info = Inventory.ExternalCommand.CaptureStartInfo(file, args);
        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }

        // tmux refuses to nest when started from inside a session; Fanout addresses servers explicitly.
        info.Environment.Remove("TMUX");
        info.Environment["GIT_TERMINAL_PROMPT"] = "0";
        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        try
        {
            Process process = Process.Start(info) ?? throw new FanoutException($"cannot start {file}");
            process.StandardInput.Close();
            return process;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new FanoutException($"cannot run '{file}': {e.Message} (is it installed?)", e);
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }
}
