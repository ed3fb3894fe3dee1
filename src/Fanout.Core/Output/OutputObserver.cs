namespace Fanout.Output;

/// <summary>
/// Receives the bytes a target prints as they arrive (<see cref="Events.ProgressTracker.OnOutput"/>): the target, the
/// attempt, the stream (<c>stdout</c> or <c>stderr</c>) and the bytes, exactly as the transport read them (no
/// decoding, no line splitting). The chunks of one stream of one attempt come one at a time and in order; different
/// streams and targets may call at the same time from different threads. An empty <paramref name="data"/> marks the
/// end of the stream for this attempt (sent once, when the attempt's capture completes, also after a timeout or cancel).
/// </summary>
/// <param name="target">The target's name.</param>
/// <param name="attempt">The attempt number, from 1.</param>
/// <param name="stream">The stream's name.</param>
/// <param name="data">The bytes; empty at the end of the stream.</param>
public delegate void OutputObserver(string target, int attempt, string stream, ReadOnlySpan<byte> data);
