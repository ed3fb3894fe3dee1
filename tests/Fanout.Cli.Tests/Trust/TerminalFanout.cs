using System.Diagnostics;
using System.Text;

namespace Fanout.Cli.Tests.Trust;

/// <summary>
/// The real <c>fanout</c> executable on a pseudo-terminal of a given width (through util-linux <c>script</c>), as an
/// operator at a terminal runs it: stdin and stderr are terminals, keys typed (answers, Ctrl-C) go through the terminal's
/// line discipline, and everything drawn is kept for <see cref="TerminalScreen"/>.
/// </summary>
internal sealed class TerminalFanout : IDisposable
{
    private readonly StringBuilder _output = new();
    private readonly Task _reader;

    private TerminalFanout(Process process)
    {
        Process = process;
        _reader = Task.Run(ReadAsync);
    }

    public Process Process { get; }

    /// <summary>Everything the terminal received so far (escape sequences included).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static TerminalFanout Start(string workingDirectory, int columns, params string[] args)
    {
        var command = new StringBuilder($"stty cols {columns} rows 50; exec env --default-signal=INT,TERM,HUP dotnet {Quote(Path.Combine(AppContext.BaseDirectory, "fanout.dll"))}");
        foreach (string arg in args)
        {
            command.Append(' ').Append(Quote(arg));
        }

        var start = new ProcessStartInfo("script")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { "-qefc", command.ToString(), "/dev/null" })
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["TERM"] = "xterm-256color";
        start.Environment.Remove("FANOUT_INVENTORY");
        start.Environment.Remove("FANOUT_CONFIG");
        start.Environment.Remove("COLUMNS");
        start.Environment.Remove("LINES");
        start.Environment["FANOUT_STORE"] = Path.Combine(workingDirectory, "runs.db");
        start.Environment["XDG_CONFIG_HOME"] = Path.Combine(workingDirectory, ".config");
        return new TerminalFanout(Process.Start(start)!);
    }

    /// <summary>Types <paramref name="keys"/> at the terminal (<c>"\u0003"</c> is Ctrl-C).</summary>
    public void Type(string keys)
    {
        Process.StandardInput.Write(keys);
        Process.StandardInput.Flush();
    }

    /// <summary>Waits until the terminal shows <paramref name="text"/>.</summary>
    public async Task WaitForAsync(string text, TimeSpan limit)
    {
        var watch = Stopwatch.StartNew();
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (watch.Elapsed > limit || Process.HasExited)
            {
                await Task.Delay(200);
                if (Output.Contains(text, StringComparison.Ordinal))
                {
                    return;
                }

                throw new TimeoutException($"the terminal never showed '{text}'; it shows:\n{Output}");
            }

            await Task.Delay(50);
        }
    }

    public async Task<int> WaitExitAsync(TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        await Process.WaitForExitAsync(timeout.Token);
        await _reader;
        return Process.ExitCode;
    }

    private async Task ReadAsync()
    {
        char[] buffer = new char[4096];
        int n;
        while ((n = await Process.StandardOutput.ReadAsync(buffer)) > 0)
        {
            lock (_output)
            {
                _output.Append(buffer, 0, n);
            }
        }
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
        }

        Process.Dispose();
    }
}
