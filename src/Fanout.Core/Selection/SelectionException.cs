namespace Fanout.Selection;

/// <summary>PLACEHOLDER from wt/cli until wt/inventory lands the real selection. A selector is malformed.</summary>
public sealed class SelectionException : FanoutException
{
    /// <summary>Creates the exception.</summary>
    public SelectionException(string message)
        : base(message)
    {
    }
}
