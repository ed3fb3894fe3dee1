using Fanout.Inventory;

namespace Fanout.Transports;

/// <summary>
/// Opens sessions to targets. A transport owns only its protocol and cleanup; the executor owns
/// concurrency and waves, and opens a session per target on demand (SPEC X3).
/// </summary>
public interface ITransport
{
    /// <summary>The transport name as written in inventories (<c>local</c>, <c>ssh</c>).</summary>
    string Name { get; }

    /// <summary>Opens a session to <paramref name="target"/>.</summary>
    /// <exception cref="TransportException">The target cannot be reached or refused the session.</exception>
    ValueTask<ISession> OpenAsync(Target target, CancellationToken cancellationToken);
}
