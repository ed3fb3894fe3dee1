namespace Fanout.Storage;

/// <summary>The store cannot be opened or used (bad location, unreachable server, failed migration).</summary>
public sealed class StoreException : FanoutException
{
    /// <summary>Creates the exception.</summary>
    public StoreException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
