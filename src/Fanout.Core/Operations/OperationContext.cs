using Fanout.Output;
using Fanout.Transports;
using Microsoft.Extensions.Logging;

namespace Fanout.Operations;

/// <summary>
/// What the executor gives an operation for one attempt on one target: the run's identity,
/// the attempt and wave numbers, the session to the target, output captures and time.
/// </summary>
public abstract class OperationContext
{
    /// <summary>The id of the run this attempt belongs to.</summary>
    public abstract string RunId { get; }

    /// <summary>The attempt number, starting at 1.</summary>
    public abstract int Attempt { get; }

    /// <summary>The wave number, starting at 1.</summary>
    public abstract int Wave { get; }

    /// <summary>The clock. Never read the system clock directly.</summary>
    public abstract TimeProvider TimeProvider { get; }

    /// <summary>The logger for this run.</summary>
    public abstract ILogger Logger { get; }

    /// <summary>
    /// Returns the session to the current target, opening it on first use. The session is shared
    /// by every operation of the run on this target within the wave and closed by the executor.
    /// </summary>
    /// <exception cref="TransportException">The target cannot be reached.</exception>
    public abstract ValueTask<ISession> GetSessionAsync(CancellationToken cancellationToken);

    /// <summary>Creates a capture for one output stream (<c>stdout</c> or <c>stderr</c>) honouring the run's cap and spill directory.</summary>
    public abstract OutputCapture CreateOutputCapture(string stream);
}
