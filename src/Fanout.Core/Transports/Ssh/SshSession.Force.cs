using System.Collections.Concurrent;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Fanout.Transports.Ssh;

/// <summary>
/// The forced stop (second Ctrl-C, SPEC X13): every remote process group any SSH session of this
/// process is running is killed at once with <c>SIGKILL</c> through a channel of its own connection,
/// waiting at most a bounded time, so forcing never leaves remote commands running.
/// </summary>
internal sealed partial class SshSession
{
    private static readonly ConcurrentDictionary<OutputPump, SshSession> Running = new();

    /// <summary>Kills every running remote process group; returns when all kill channels ended or <paramref name="bound"/> passed.</summary>
    public static async Task KillAllRunningAsync(TimeSpan bound)
    {
        var kills = new List<Task>();
        foreach ((OutputPump pump, SshSession session) in Running)
        {
            if (pump.RemotePid is int pid)
            {
                kills.Add(session.KillNowAsync(pid, bound));
            }
        }

        try
        {
            await Task.WhenAll(kills).WaitAsync(bound).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // bounded: the caller exits anyway
        }
    }

    private IDisposable Track(OutputPump pump)
    {
        Running[pump] = this;
        return new Untrack(pump);
    }

    private async Task KillNowAsync(int pid, TimeSpan bound)
    {
        using var timeout = new CancellationTokenSource(bound);
        try
        {
            using SshCommand kill = Client.CreateCommand($"kill -KILL -{pid} 2>/dev/null; exit 0");
            await kill.ExecuteAsync(timeout.Token).ConfigureAwait(false);
            Log.RemoteKilled(_logger, Target.Name, pid);
        }
        catch (Exception ex) when (ex is SshException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            Log.RemoteKillFailed(_logger, Target.Name, pid, ex.Message);
        }
    }

    private sealed class Untrack(OutputPump pump) : IDisposable
    {
        public void Dispose() => Running.TryRemove(pump, out _);
    }
}
