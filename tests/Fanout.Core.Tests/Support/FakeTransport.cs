using Fanout.Inventory;
using Fanout.Output;
using Fanout.Transports;

namespace Fanout.Core.Tests.Support;

/// <summary>An in-memory transport that counts sessions: opened, currently open, peak open.</summary>
public sealed class FakeTransport(string name = "fake") : ITransport
{
    private int _open;
    private int _peak;
    private int _opened;
    private int _opening;
    private int _peakOpening;

    public string Name => name;

    public int Opened => Volatile.Read(ref _opened);

    public int Open => Volatile.Read(ref _open);

    public int Peak => Volatile.Read(ref _peak);

    public int PeakConcurrentOpens => Volatile.Read(ref _peakOpening);

    /// <summary>Targets whose open fails with a <see cref="TransportException"/>.</summary>
    public HashSet<string> Unreachable { get; } = [];

    /// <summary>Targets whose first session drops the connection on its first command.</summary>
    public HashSet<string> DropsFirstSession { get; } = [];

    public async ValueTask<ISession> OpenAsync(Target target, CancellationToken cancellationToken)
    {
        InFlight.Raise(ref _peakOpening, Interlocked.Increment(ref _opening));
        try
        {
            await Task.Yield();
            if (Unreachable.Contains(target.Name))
            {
                throw new TransportException($"connect to {target.Name} refused");
            }
        }
        finally
        {
            Interlocked.Decrement(ref _opening);
        }

        Interlocked.Increment(ref _opened);
        InFlight.Raise(ref _peak, Interlocked.Increment(ref _open));
        bool drops;
        lock (DropsFirstSession)
        {
            drops = DropsFirstSession.Remove(target.Name);
        }

        return new Session(this, target, drops);
    }

    private sealed class Session(FakeTransport owner, Target target, bool drops) : ISession
    {
        private int _disposed;

        public Target Target => target;

        public int Commands { get; private set; }

        public Task<CommandResult> RunAsync(CommandSpec command, OutputCapture stdout, OutputCapture stderr, CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            if (drops)
            {
                throw new TransportException($"connection to {target.Name} lost");
            }

            Commands++;
            stdout.Write($"{target.Name}: {command.Display}\n");
            return Task.FromResult(new CommandResult(0));
        }

        public Task UploadAsync(Stream content, string remotePath, int mode, CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref owner._open);
            }

            return ValueTask.CompletedTask;
        }
    }
}
