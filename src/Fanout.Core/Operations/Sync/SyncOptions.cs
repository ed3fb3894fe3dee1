namespace Fanout.Operations;

/// <summary>What <see cref="SyncOperation"/> pushes and how (spec S3).</summary>
public sealed class SyncOptions
{
    /// <summary>Local file or directory. A directory's contents are synced into <see cref="Destination"/>; a file is written to <see cref="Destination"/>.</summary>
    public required string Source { get; init; }

    /// <summary>Absolute destination path on each target.</summary>
    public required string Destination { get; init; }

    /// <summary>Whether entries under the destination that are not in the source are removed (excluded ones are kept).</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool Delete { get; init; }

    /// <summary>Glob patterns of source-relative paths to leave out (<c>*</c> within a name, <c>**</c> across directories; a pattern without '/' matches any name).</summary>
    /// <value>The default is empty.</value>
    public IReadOnlyList<string> Excludes { get; init; } = [];

    /// <summary>Returns every problem with these options (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!File.Exists(Source) && !Directory.Exists(Source))
        {
            errors.Add($"Sync source '{Source}' does not exist.");
        }

        if (!Destination.StartsWith('/'))
        {
            errors.Add($"Sync destination '{Destination}' must be an absolute path.");
        }
        else if (Destination.Split('/').Contains(".."))
        {
            errors.Add($"Sync destination '{Destination}' must not contain '..'.");
        }

        return errors;
    }
}
