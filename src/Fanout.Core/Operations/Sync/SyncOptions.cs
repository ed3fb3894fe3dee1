namespace Fanout.Operations;

/// <summary>
/// What <see cref="SyncOperation"/> pushes and how (spec S3). The same shape is recorded with a sync run's
/// <see cref="Runs.RunDefinition"/> (<see cref="Runs.RunDefinition.Sync"/>, the source made absolute): one type, not a copy.
/// </summary>
public sealed record SyncOptions
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

    /// <summary>Whether nothing is written or deleted: each target only reports what would be copied, skipped and deleted.</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool DryRun { get; init; }

    /// <summary>Whether a destination of <c>/</c> or a top-level system directory (<c>/etc</c>, <c>/usr</c>, …) is allowed.</summary>
    /// <value>The default is <see langword="false"/>: such destinations are refused.</value>
    public bool Force { get; init; }

    /// <summary>The top-level directories a sync may only write to with <see cref="Force"/> (and <c>/</c> itself).</summary>
    public static IReadOnlyList<string> ProtectedDestinations { get; } =
    [
        "/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/libx32", "/media", "/mnt", "/opt",
        "/proc", "/root", "/run", "/sbin", "/snap", "/srv", "/sys", "/tmp", "/usr", "/var",
    ];

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
        else if (!Force && IsProtected(Destination))
        {
            errors.Add($"Sync destination '{Destination}' is / or a top-level system directory: pass --force to write there.");
        }

        return errors;
    }

    /// <summary>Whether <paramref name="destination"/> is <c>/</c> or one of <see cref="ProtectedDestinations"/> (ignoring repeated and trailing slashes and <c>.</c> parts).</summary>
    public static bool IsProtected(string destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        string normalized = "/" + string.Join('/', destination.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != "."));
        return ProtectedDestinations.Contains(normalized, StringComparer.Ordinal);
    }
}
