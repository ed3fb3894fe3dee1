using System.Threading.Channels;

namespace Fanout.Events;

/// <summary>
/// One reader of a <see cref="ProgressTracker"/>'s events. Writing never blocks: the queue is an
/// unbounded channel, but once it holds <c>capacity</c> unread events, progress-only events
/// (<see cref="TargetStarted"/>, <see cref="TargetRetrying"/>) are dropped for this reader.
/// Outcome events are never dropped, so memory stays bounded by the run's size.
/// </summary>
internal sealed class EventSubscriber(int capacity)
{
    private readonly Channel<RunEvent> _channel = Channel.CreateUnbounded<RunEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private int _pending;
    private long _dropped;

    public ChannelReader<RunEvent> Reader => _channel.Reader;

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Called under the tracker's lock, in sequence order.</summary>
    public void Write(RunEvent runEvent)
    {
        if (Volatile.Read(ref _pending) >= capacity && runEvent is TargetStarted or TargetRetrying)
        {
            Interlocked.Increment(ref _dropped);
            return;
        }

        Interlocked.Increment(ref _pending);
        _channel.Writer.TryWrite(runEvent);
    }

    public void Complete() => _channel.Writer.TryComplete();

    public void OnRead() => Interlocked.Decrement(ref _pending);
}
