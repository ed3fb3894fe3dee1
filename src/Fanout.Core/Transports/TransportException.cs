namespace Fanout.Transports;

/// <summary>A target could not be reached, or refused or lost the session. Retried by <c>--retries</c> (SPEC X6).</summary>
public class TransportException : FanoutException
{
    /// <summary>Creates the exception.</summary>
    public TransportException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
