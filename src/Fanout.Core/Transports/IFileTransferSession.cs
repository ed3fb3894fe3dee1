namespace Fanout.Transports;

/// <summary>
/// A session that can inspect and write a file tree on its target (used by sync, spec S3).
/// Implemented by SSH sessions (over the session's own connection) and local sessions (plain file copies).
/// Every path argument is relative to <c>root</c>, uses '/' and never contains '..'.
/// </summary>
internal interface IFileTransferSession
{
    /// <summary>Lists <paramref name="root"/> recursively (or just <paramref name="only"/> entries of it); empty when root does not exist.</summary>
    /// <exception cref="TransportException">Root exists but is not a directory, or listing failed.</exception>
    Task<IReadOnlyList<FileEntry>> ListAsync(string root, IReadOnlyList<string>? only, CancellationToken cancellationToken);

    /// <summary>SHA-256 (lowercase hex) of the given regular files.</summary>
    Task<IReadOnlyDictionary<string, string>> HashAsync(string root, IReadOnlyList<string> paths, CancellationToken cancellationToken);

    /// <summary>
    /// Creates root and writes the items in order (directories before their contents), keeping modes.
    /// Every file is written under its name plus <see cref="FileTransfer.TempSuffix"/> of the session's target and renamed into place.
    /// </summary>
    Task WriteAsync(string root, IReadOnlyList<FileEntry> items, CancellationToken cancellationToken);

    /// <summary>Removes the given entries (directories with their contents).</summary>
    Task DeleteAsync(string root, IReadOnlyList<string> paths, CancellationToken cancellationToken);
}

/// <summary>Names shared by every file-transfer session.</summary>
internal static class FileTransfer
{
    /// <summary>What every temporary name contains: <c>NAME.fanout-tmp-XXXXXXXX</c>.</summary>
    public const string TempMarker = ".fanout-tmp-";

    /// <summary>
    /// Suffix of the temporary name a file is written under before it is renamed into place, so a
    /// crash never leaves a truncated file under its final name. It carries a short hash of the target's
    /// name: two targets that share a host and a destination (inventory aliases) never rename or clean
    /// each other's files. A target's leftovers are removed by its next sync.
    /// </summary>
    public static string TempSuffix(Fanout.Inventory.Target target)
    {
        ArgumentNullException.ThrowIfNull(target);
        byte[] hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(target.Name));
        return TempMarker + Convert.ToHexStringLower(hash, 0, 4);
    }

    /// <summary>True when the last segment of <paramref name="path"/> is a temporary name of any target.</summary>
    public static bool IsTemporary(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        int slash = path.LastIndexOf('/');
        return path.IndexOf(TempMarker, slash + 1, StringComparison.Ordinal) >= 0;
    }
}

/// <summary>Kind of a file-tree entry.</summary>
internal enum FileEntryKind
{
    File,
    Directory,
    Symlink,
}

/// <summary>One entry of a file tree: for writes, <see cref="SourcePath"/> names the local file to copy.</summary>
internal sealed record FileEntry(string Path, FileEntryKind Kind, long Size, UnixFileMode Mode, string? LinkTarget = null, string? SourcePath = null);
