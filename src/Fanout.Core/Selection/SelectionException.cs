namespace Fanout.Selection;

/// <summary>
/// A selector is malformed (a bad tag expression, an invalid or runaway regex, an unknown group, a
/// subscript past the end of a group). The message names the bad part; <see cref="Errors"/> lists all.
/// </summary>
public sealed class SelectionException : FanoutException
{
    /// <summary>Creates the exception for one or more errors.</summary>
    public SelectionException(IReadOnlyList<string> errors, Exception? innerException = null)
        : base(string.Join("; ", errors), innerException)
    {
        Errors = errors;
    }

    /// <summary>Creates the exception for one error.</summary>
    public SelectionException(string error, Exception? innerException = null)
        : this([error], innerException)
    {
    }

    /// <summary>Every problem found, each naming the bad selector.</summary>
    public IReadOnlyList<string> Errors { get; }
}
