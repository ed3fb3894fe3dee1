using System.Buffers;
using System.ComponentModel;
using System.Diagnostics;
using Fanout.Inventory;
using Fanout.Output;

namespace Fanout.Transports.Local;

/// <summary>A session on this machine: every command is a new process with the target's environment.</summary>
internal sealed partial class LocalSession : ISession
{
    private const int BufferSize = 16 * 1024;

    private readonly LocalTransportOptions _options;
    private readonly string? _setsid;
    private readonly IReadOnlyDictionary<string, string> _targetEnvironment;

    public LocalSession(Target target, LocalTransportOptions options, string? setsid)
    {
        Target = target;
        _options = options;
        _setsid = setsid;
        _targetEnvironment = LocalEnvironment.For(target);
    }

    public Target Target { get; }

    /// <summary>Processes running now, process-wide, with whether each leads its own group (for <see cref="LocalTransport.KillAllRunning"/>).</summary>
    internal static System.Collections.Concurrent.ConcurrentDictionary<Process, bool> Running { get; } = new();

    public async Task<CommandResult> RunAsync(CommandSpec command, OutputCapture stdout, OutputCapture stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        cancellationToken.ThrowIfCancellationRequested();

        ProcessStartInfo start = CreateStartInfo(command, out bool ownGroup);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new TransportException($"could not start '{command.Display}'");
        }
        catch (Win32Exception e)
        {
            // Like a shell: a program that cannot be started is exit 127 with the reason on stderr.
            stderr.Write($"fanout: cannot run '{start.FileName}': {e.Message}\n");
            return new CommandResult(127);
        }

        using (process)
        {
            Running.TryAdd(process, ownGroup);
            Task stdoutPump = PumpAsync(process.StandardOutput.BaseStream, stdout);
            Task stderrPump = PumpAsync(process.StandardError.BaseStream, stderr);
            Task stdinFeed = FeedAsync(process.StandardInput.BaseStream, command.StandardInput);
            try
            {
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);

                // Wait for end-of-file on both pipes: output written just before exit must not be lost.
                // A backgrounded child still holding a pipe keeps the command running (as over SSH)
                // until it ends or the command is cancelled.
                await Task.WhenAll(stdoutPump, stderrPump, stdinFeed).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await TerminateAsync(process, ownGroup).ConfigureAwait(false);
                await DrainAsync(process, stdoutPump, stderrPump, stdinFeed).ConfigureAwait(false);
                Running.TryRemove(process, out _);
                ClosePipes(process);
                throw;
            }

            // A command may leave a detached daemon running on purpose (nohup … &): only a
            // timeout or cancel kills what the command started.
            Running.TryRemove(process, out _);
            CommandResult result = Signals.ToResult(process.ExitCode);
            ClosePipes(process);
            return result;
        }
    }

    public async Task UploadAsync(Stream content, string remotePath, int mode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrEmpty(remotePath);
        try
        {
            string? directory = Path.GetDirectoryName(Path.GetFullPath(remotePath));
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }

            var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Options = FileOptions.Asynchronous };
            if (!OperatingSystem.IsWindows())
            {
                // Never let the content exist with wider permissions than asked for.
                fileOptions.UnixCreateMode = (UnixFileMode)mode & (UnixFileMode)0x1FF;
            }

            var file = new FileStream(remotePath, fileOptions);
            await using (file.ConfigureAwait(false))
            {
                await content.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            }

            // UnixCreateMode is filtered by the umask and ignored for existing files: set it explicitly.
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(remotePath, (UnixFileMode)mode);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TransportException($"cannot write '{remotePath}': {e.Message}", e);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private ProcessStartInfo CreateStartInfo(CommandSpec command, out bool ownGroup)
    {
        var start = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = command.WorkingDirectory ?? _options.WorkingDirectory ?? string.Empty,
        };
        ownGroup = false;
        if (command.Argv is { Count: > 0 } argv)
        {
            start.FileName = argv[0];
            for (int i = 1; i < argv.Count; i++)
            {
                start.ArgumentList.Add(argv[i]);
            }
        }
        else if (command.ShellCommand is { } line)
        {
            if (_setsid is not null)
            {
                // setsid(1) execs the shell as the leader of a new session and process group
                // (no extra fork), so killing the group reaches backgrounded grandchildren too.
                start.FileName = _setsid;
                start.ArgumentList.Add(command.Shell);
                ownGroup = true;
            }
            else
            {
                start.FileName = command.Shell;
            }

            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(line);
        }
        else
        {
            throw new ArgumentException("The command has neither an argument vector nor a shell command.", nameof(command));
        }

        IDictionary<string, string?> environment = start.Environment;
        foreach ((string key, string value) in _targetEnvironment)
        {
            environment[key] = value;
        }

        foreach ((string key, string value) in command.Environment)
        {
            environment[key] = value;
        }

        return start;
    }

    private async Task TerminateAsync(Process process, bool ownGroup)
    {
        int pid = process.Id;

        // A process started directly has no group of its own: remember its descendants now,
        // because once it dies they are re-parented and no longer reachable through it.
        List<int> tree = ownGroup ? [pid] : ProcessTree.Snapshot(pid);
        if (_options.TerminationGracePeriod > TimeSpan.Zero)
        {
            Signal(tree, ownGroup, Signals.Term);
            using var grace = new CancellationTokenSource(_options.TerminationGracePeriod, _options.TimeProvider);
            try
            {
                await process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (grace.IsCancellationRequested)
            {
                // Did not stop in time: killed below.
            }
        }

        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }

        Signal(tree, ownGroup, Signals.Kill);
        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private static void Signal(List<int> tree, bool ownGroup, int signal)
    {
        if (ownGroup)
        {
            // Cancelled the moment it started, setsid(1) may not have made the group yet: then the signal goes to the
            // process itself, or it would be lost and the command would run on through the grace period.
            if (!Signals.Send(-tree[0], signal))
            {
                Signals.Send(tree[0], signal);
            }

            return;
        }

        foreach (int pid in tree)
        {
            Signals.Send(pid, signal);
        }
    }

    /// <summary>
    /// Closes our ends of the pipes now. Process.Dispose leaves the redirected streams to the finalizer, so at thousands of
    /// short commands the descriptors piled up (hundreds at once) until a GC, and a run under a tight <c>ulimit -n</c>
    /// failed with "too many open files".
    /// </summary>
    private static void ClosePipes(Process process)
    {
        try
        {
            process.StandardOutput.Dispose();
            process.StandardError.Dispose();
        }
        catch (IOException)
        {
            // Already closed.
        }
    }

    private static async Task DrainAsync(Process process, Task stdoutPump, Task stderrPump, Task stdinFeed)
    {
        // After the kill the pipes close; a process that escaped the group may still hold them,
        // so give up after a moment and close our ends.
        Task all = Task.WhenAll(stdoutPump, stderrPump, stdinFeed);
        Task finished = await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(1), TimeProvider.System)).ConfigureAwait(false);
        if (finished != all)
        {
            process.StandardOutput.BaseStream.Dispose();
            process.StandardError.BaseStream.Dispose();
        }

        try
        {
            await all.ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The pipes were closed under the readers: what was read so far is kept.
        }
    }

    private static async Task PumpAsync(Stream source, OutputCapture capture)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(0, BufferSize), CancellationToken.None).ConfigureAwait(false)) > 0)
            {
                capture.Write(buffer.AsSpan(0, read));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task FeedAsync(Stream stdin, ReadOnlyMemory<byte>? input)
    {
        try
        {
            if (input is { Length: > 0 } bytes)
            {
                await stdin.WriteAsync(bytes, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (IOException)
        {
            // The process exited or closed its input without reading everything: not an error of ours.
        }
        finally
        {
            try
            {
                stdin.Dispose();
            }
            catch (IOException)
            {
                // Broken pipe on close: same as above.
            }
        }
    }
}
