using Fanout.Inventory;
using Fanout.Output;
using Microsoft.Extensions.Logging;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Fanout.Transports.Ssh;

/// <summary>One SSH connection to a target; every command runs in its own channel of that connection.</summary>
internal sealed partial class SshSession : ISession
{
    private static readonly TimeSpan PumpInterval = TimeSpan.FromMilliseconds(50);
    private readonly SshConnection _connection;
    private readonly SshTransportOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public SshSession(Target target, SshConnection connection, SshTransportOptions options, TimeProvider time, ILogger logger)
    {
        Target = target;
        _connection = connection;
        _options = options;
        _time = time;
        _logger = logger;
    }

    public Target Target { get; }

    internal SshClient Client => _connection.Client;

    public Task<CommandResult> RunAsync(CommandSpec command, OutputCapture stdout, OutputCapture stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        Func<Stream, CancellationToken, Task>? input = command.StandardInput is { } bytes
            ? async (s, ct) => await s.WriteAsync(bytes, ct).ConfigureAwait(false)
            : null;
        return RunRawAsync(RemoteCommand.Wrap(WithTargetEnvironment(command)), input, d => stdout.Write(d), d => stderr.Write(d), cancellationToken);
    }

    /// <summary>
    /// The target's <c>FANOUT_*</c> variables (the same as local processes get, SPEC S1) exported
    /// before the command; the command's own environment wins.
    /// </summary>
    private CommandSpec WithTargetEnvironment(CommandSpec command)
    {
        var environment = new Dictionary<string, string>(Local.LocalEnvironment.For(Target), StringComparer.Ordinal);
        foreach ((string key, string value) in command.Environment)
        {
            environment[key] = value;
        }

        return command with { Environment = environment };
    }

    public async Task UploadAsync(Stream content, string remotePath, int mode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        string tmp = remotePath + ".fanout-tmp";
        string script = $"umask 077 && cat > {ShellQuote.Quote(tmp)} && chmod {Convert.ToString(mode & 0xFFF, 8)} {ShellQuote.Quote(tmp)} && mv -f {ShellQuote.Quote(tmp)} {ShellQuote.Quote(remotePath)}";
        var err = new MemoryStream();
        CommandResult result = await RunRawAsync(
            RemoteCommand.Wrap(CommandSpec.Sh(script), withInput: true),
            async (s, ct) => await content.CopyToAsync(s, ct).ConfigureAwait(false),
            _ => { },
            d => err.Write(d),
            cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new TransportException($"Upload to {Target.Name}:{remotePath} failed: {System.Text.Encoding.UTF8.GetString(err.ToArray()).Trim()}");
        }
    }

    public ValueTask DisposeAsync()
    {
        _connection.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Runs an already wrapped command line (see <see cref="RemoteCommand.Wrap"/>).</summary>
    internal async Task<CommandResult> RunRawAsync(
        string wrappedCommand,
        Func<Stream, CancellationToken, Task>? input,
        Action<ReadOnlySpan<byte>> onStdout,
        Action<ReadOnlySpan<byte>> onStderr,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        SshCommand command;
        Task execution;
        try
        {
            command = Client.CreateCommand(wrappedCommand);
            execution = command.ExecuteAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is SshException or ObjectDisposedException or InvalidOperationException)
        {
            throw new TransportException($"SSH connection to {Target.Name} failed: {ex.Message}", ex);
        }

        using (command)
        {
            var pump = new OutputPump(command.OutputStream, command.ExtendedOutputStream, onStdout, onStderr);
            using IDisposable tracked = Track(pump);
            using ITimer timer = _time.CreateTimer(_ => pump.Drain(), null, PumpInterval, PumpInterval);
            try
            {
                if (input is not null)
                {
                    await SendInputAsync(command, execution, input, cancellationToken).ConfigureAwait(false);
                }

                await execution.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                await StopRemoteAsync(command, execution, pump).ConfigureAwait(false);
                throw;
            }
            catch (Exception ex) when (ex is SshException or ObjectDisposedException or IOException)
            {
                // The connection dropped: what arrived before is kept (SPEC X13).
                timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                DrainQuietly(pump);
                throw new TransportException($"SSH command on {Target.Name} failed: {ex.Message}", ex);
            }

            timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            pump.Drain(final: true);
            return new CommandResult(command.ExitStatus, command.ExitSignal);
        }
    }

    private static void DrainQuietly(OutputPump pump)
    {
        try
        {
            pump.Drain();
        }
        catch (Exception ex) when (ex is ObjectDisposedException or IOException or SshException)
        {
            // the channel's buffers are gone with the connection
        }
    }

    private static async Task SendInputAsync(SshCommand command, Task execution, Func<Stream, CancellationToken, Task> input, CancellationToken cancellationToken)
    {
        Stream stdin;
        try
        {
            stdin = command.CreateInputStream();
        }
        catch (InvalidOperationException) when (execution.IsCompleted)
        {
            return; // the command finished before its input could be sent (e.g. `true`)
        }

        // Disposing the stream sends the channel EOF, but SSH.NET only does so when at least one byte
        // was written: the sentinel (swallowed remotely, see RemoteCommand.Wrap) guarantees that.
        try
        {
            stdin.Write(RemoteCommand.InputSentinel);
            await input(stdin, cancellationToken).ConfigureAwait(false);
            stdin.Flush();
        }
        finally
        {
            stdin.Dispose();
        }
    }

    /// <summary>
    /// Kills the remote process group through a second channel (closing the channel alone leaves
    /// the remote process running), then closes the command's channel. When the remote shell has not printed its pid
    /// yet (it has not started: a slow or loaded host), the session's process — the shell, before it runs the command — is
    /// killed at once through the channel's <c>signal KILL</c> request: waiting for it would let it start the command with
    /// nothing left to stop it.
    /// </summary>
    /// <summary>How long a cancel waits for the remote shell's pid line before it signals the session's process instead.</summary>
    private static readonly TimeSpan PidWait = TimeSpan.FromMilliseconds(300);

    private async Task StopRemoteAsync(SshCommand command, Task execution, OutputPump pump)
    {
        pump.Drain();
        if (pump.RemotePid is null)
        {
            // The pid line is the first thing the remote shell prints; give it a moment to arrive — a short one, bounded by the
            // clock rather than by a count of delays (on a loaded machine each delay runs long): meanwhile a shell that has not
            // started may start the command, and the sooner the signal below goes, the smaller that window.
            long waited = _time.GetTimestamp();
            while (pump.RemotePid is null && !execution.IsCompleted && _time.GetElapsedTime(waited) < PidWait)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(25), _time).ConfigureAwait(false);
                pump.Drain();
            }
        }

        bool endedByItself = execution.IsCompleted;
        if (pump.RemotePid is null && !endedByItself)
        {
            ForceCancel(command);
            DrainQuietly(pump); // a pid that arrived meanwhile: its group is killed below
        }

        if (pump.RemotePid is int pid && !endedByItself)
        {
            using var bound = new CancellationTokenSource(_options.KillGracePeriod + TimeSpan.FromSeconds(10), _time);
            try
            {
                using SshCommand kill = Client.CreateCommand(RemoteCommand.KillGroup(pid, _options.KillGracePeriod));
                await kill.ExecuteAsync(bound.Token).ConfigureAwait(false);
                Log.RemoteKilled(_logger, Target.Name, pid);
            }
            catch (Exception ex) when (ex is SshException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
            {
                Log.RemoteKillFailed(_logger, Target.Name, pid, ex.Message);
            }
        }

        try
        {
            await execution.WaitAsync(TimeSpan.FromSeconds(2), _time).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or SshException or ObjectDisposedException or OperationCanceledException)
        {
            ForceCancel(command);
        }
    }

    /// <summary>Sends the channel's <c>signal KILL</c> request (to the session's process) and completes the command locally.</summary>
    private static void ForceCancel(SshCommand command)
    {
        try
        {
            command.CancelAsync(forceKill: true, millisecondsTimeout: 500);
        }
        catch (Exception cancelError) when (cancelError is SshException or ObjectDisposedException or InvalidOperationException)
        {
            // the channel is gone already
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "Killed remote process group {Pid} on {Target}")]
        public static partial void RemoteKilled(ILogger logger, string target, int pid);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Could not kill remote process group {Pid} on {Target}: {Error}")]
        public static partial void RemoteKillFailed(ILogger logger, string target, int pid, string error);
    }
}
