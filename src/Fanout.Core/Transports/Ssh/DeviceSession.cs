using System.Text;
using System.Text.RegularExpressions;
using Fanout.Inventory;
using Fanout.Output;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Fanout.Transports.Ssh;

/// <summary>
/// Network-device mode (spec S4): one interactive shell per device; waits for the prompt, disables
/// paging, answers pager prompts with a space, and runs commands one after another. A command's
/// lines (<see cref="CommandSpec.ShellCommand"/> split on newlines) are sent in order; the run stops
/// at the first command whose output matches the error pattern (exit code 1).
/// </summary>
internal sealed partial class DeviceSession : ISession
{
    private readonly SshConnection _connection;
    private readonly DeviceOptions _options;
    private readonly TimeProvider _time;
    private readonly Regex _prompt;
    private readonly Regex _more;
    private readonly Regex _error;
    private readonly StringBuilder _buffer = new();
    private readonly Lock _sync = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private ShellStream? _shell;
    private Task? _reader;
    private bool _closed;

    public DeviceSession(Target target, SshConnection connection, DeviceOptions options, TimeProvider time)
    {
        Target = target;
        _connection = connection;
        _options = options;
        _time = time;
        _prompt = new Regex(options.PromptPattern, RegexOptions.None, options.RegexTimeout);
        _more = new Regex(options.MorePattern, RegexOptions.None, options.RegexTimeout);
        _error = new Regex(options.ErrorPattern, RegexOptions.Multiline, options.RegexTimeout);
    }

    public Target Target { get; }

    public async Task<IReadOnlyList<DeviceCommandOutput>> RunCommandsAsync(IReadOnlyList<string> commands, CancellationToken cancellationToken)
    {
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        var results = new List<DeviceCommandOutput>();
        foreach (string command in commands)
        {
            string output = await SendAsync(command, cancellationToken).ConfigureAwait(false);
            bool failed = _error.IsMatch(output);
            results.Add(new DeviceCommandOutput(command, output, failed));
            if (failed)
            {
                break;
            }
        }

        return results;
    }

    public async Task<CommandResult> RunAsync(CommandSpec command, OutputCapture stdout, OutputCapture stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(stdout);
        IReadOnlyList<string> lines = SplitCommands(command);
        IReadOnlyList<DeviceCommandOutput> outputs = await RunCommandsAsync(lines, cancellationToken).ConfigureAwait(false);
        foreach (DeviceCommandOutput o in outputs)
        {
            stdout.Write($"# {o.Command}\n{o.Output}");
        }

        return new CommandResult(outputs.Any(o => o.Failed) ? 1 : 0);
    }

    public Task UploadAsync(Stream content, string remotePath, int mode, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Network devices in interactive-CLI mode do not accept uploads.");

    public async ValueTask DisposeAsync()
    {
        _closed = true;
        _shell?.Dispose();
        _connection.Dispose();
        if (_reader is not null)
        {
            await _reader.WaitAsync(TimeSpan.FromSeconds(2), _time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    internal static IReadOnlyList<string> SplitCommands(CommandSpec command) =>
        command.ShellCommand is { } text
            ? text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0).ToList()
            : [string.Join(' ', command.Argv ?? [])];

    private async Task EnsureOpenAsync(CancellationToken cancellationToken)
    {
        if (_shell is not null)
        {
            return;
        }

        try
        {
            _shell = _connection.Client.CreateShellStream("vt100", 512, 200, 0, 0, 64 * 1024);
        }
        catch (SshException ex)
        {
            throw new TransportException($"{Target.Name}: could not open a shell: {ex.Message}", ex);
        }

        ShellStream shell = _shell;
        _reader = Task.Factory.StartNew(() => ReadLoop(shell), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await WaitForPromptAsync(cancellationToken).ConfigureAwait(false);
        if (_options.DisablePagingCommand.Length > 0)
        {
            await SendAsync(_options.DisablePagingCommand, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<string> SendAsync(string command, CancellationToken cancellationToken)
    {
        lock (_sync)
        {
            _buffer.Clear();
        }

        _shell!.Write(command + "\n");
        _shell.Flush();
        string raw = await WaitForPromptAsync(cancellationToken).ConfigureAwait(false);

        // Drop the terminal's echo of the command itself.
        int newline = raw.IndexOf('\n', StringComparison.Ordinal);
        if (newline >= 0 && raw[..newline].Contains(command.Trim(), StringComparison.Ordinal))
        {
            raw = raw[(newline + 1)..];
        }

        return raw;
    }

    /// <summary>Waits until the last line is a prompt; returns the text before it, normalised to '\n' line ends.</summary>
    private async Task<string> WaitForPromptAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.PromptTimeout);
        while (true)
        {
            string? result = null;
            bool more = false;
            lock (_sync)
            {
                string text = Clean(_buffer.ToString());
                int lastNewline = text.LastIndexOf('\n');
                string lastLine = text[(lastNewline + 1)..];
                if (_more.IsMatch(lastLine))
                {
                    _buffer.Clear().Append(text[..(lastNewline + 1)]);
                    more = true;
                }
                else if (lastLine.Length > 0 && _prompt.IsMatch(lastLine))
                {
                    result = text[..(lastNewline + 1)];
                }
            }

            if (result is not null)
            {
                return result;
            }

            if (more)
            {
                _shell!.Write(" ");
                _shell.Flush();
            }

            if (_closed)
            {
                throw new TransportException($"{Target.Name}: the device closed the session.");
            }

            try
            {
                await _arrived.WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TransportException($"{Target.Name}: no prompt matching /{_options.PromptPattern}/ within {_options.PromptTimeout.TotalSeconds:0.#}s; last output: {Tail()}");
            }
        }
    }

    private void ReadLoop(ShellStream shell)
    {
        byte[] buffer = new byte[16 * 1024];
        var decoder = Encoding.UTF8.GetDecoder();
        char[] chars = new char[buffer.Length];
        try
        {
            int n;
            while ((n = shell.Read(buffer, 0, buffer.Length)) > 0)
            {
                int count = decoder.GetChars(buffer, 0, n, chars, 0);
                lock (_sync)
                {
                    _buffer.Append(chars, 0, count);
                }

                _arrived.Release();
            }
        }
        catch (Exception ex) when (ex is ObjectDisposedException or SshException or IOException)
        {
            // the session is closing
        }
        finally
        {
            _closed = true;
            _arrived.Release();
        }
    }

    private string Tail()
    {
        lock (_sync)
        {
            string text = Clean(_buffer.ToString());
            return text.Length > 200 ? text[^200..] : text;
        }
    }

    /// <summary>Removes ANSI escapes and carriage-return overwrites (pagers erase their prompt with "\r   \r").</summary>
    private static string Clean(string text)
    {
        text = AnsiEscape().Replace(text, string.Empty);
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r'); // a pty turns "\r\n" into "\r\r\n"
            int cr = line.LastIndexOf('\r');
            lines[i] = cr >= 0 ? line[(cr + 1)..] : line;
        }

        return string.Join('\n', lines);
    }

    [GeneratedRegex(@"\x1B\[[0-9;?]*[A-Za-z]|\x08")]
    private static partial Regex AnsiEscape();
}
