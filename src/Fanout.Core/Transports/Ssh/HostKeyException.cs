namespace Fanout.Transports.Ssh;

/// <summary>Thrown when a host key is unknown (and new keys are not accepted), changed or revoked.</summary>
public sealed class HostKeyException : TransportException
{
    /// <summary>Creates the exception with a message naming the host and the fingerprints involved.</summary>
    public HostKeyException(string message)
        : base(message)
    {
    }
}
