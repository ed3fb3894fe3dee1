namespace Fanout;

/// <summary>The base of Fanout's few exceptions; expected failures are returned as values instead.</summary>
public class FanoutException : Exception
{
    /// <summary>Creates the exception.</summary>
    public FanoutException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
