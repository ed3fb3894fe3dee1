namespace Fanout.Transports;

/// <summary>
/// The transports known to an executor, by name (<c>local</c>, <c>ssh</c>, …). Thread-safe;
/// register transports before a run starts.
/// </summary>
public sealed class TransportRegistry
{
    private readonly Dictionary<string, ITransport> _transports = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Creates an empty registry.</summary>
    public TransportRegistry()
    {
    }

    /// <summary>Creates a registry holding <paramref name="transports"/>.</summary>
    /// <exception cref="ArgumentException">Two transports share a name.</exception>
    public TransportRegistry(IEnumerable<ITransport> transports)
    {
        ArgumentNullException.ThrowIfNull(transports);
        foreach (ITransport transport in transports)
        {
            Register(transport);
        }
    }

    /// <summary>The names of the registered transports, sorted.</summary>
    public IReadOnlyList<string> Names
    {
        get
        {
            lock (_gate)
            {
                return [.. _transports.Keys.Order(StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>Adds a transport under its <see cref="ITransport.Name"/>.</summary>
    /// <returns>This registry, for chaining.</returns>
    /// <exception cref="ArgumentException">A transport with the same name is already registered.</exception>
    public TransportRegistry Register(ITransport transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        lock (_gate)
        {
            if (!_transports.TryAdd(transport.Name, transport))
            {
                throw new ArgumentException($"A transport named '{transport.Name}' is already registered.", nameof(transport));
            }
        }

        return this;
    }

    /// <summary>Returns the transport called <paramref name="name"/>, or <see langword="null"/>.</summary>
    public ITransport? TryGet(string name)
    {
        lock (_gate)
        {
            return _transports.GetValueOrDefault(name);
        }
    }

    /// <summary>Returns the transport called <paramref name="name"/>.</summary>
    /// <exception cref="FanoutException">No transport has that name; the message lists the known ones.</exception>
    public ITransport Get(string name)
    {
        ITransport? transport = TryGet(name);
        if (transport is null)
        {
            IReadOnlyList<string> known = Names;
            string list = known.Count == 0 ? "none is registered" : "known: " + string.Join(", ", known);
            throw new FanoutException($"unknown transport '{name}' ({list})");
        }

        return transport;
    }
}
