using System.Security.Cryptography;

namespace Fanout.Transports.Local;

/// <summary>File transfer for local targets (spec S3: "a copy for local"): plain file-system operations.</summary>
internal sealed partial class LocalSession : IFileTransferSession
{
    public Task<IReadOnlyList<FileEntry>> ListAsync(string root, IReadOnlyList<string>? only, CancellationToken cancellationToken)
    {
        var entries = new List<FileEntry>();
        if (!Directory.Exists(root))
        {
            if (File.Exists(root) || new FileInfo(root).LinkTarget is not null)
            {
                throw new TransportException($"{Target.Name}: could not list {root}: not a directory");
            }

            return Task.FromResult<IReadOnlyList<FileEntry>>(entries);
        }

        if (only is not null)
        {
            foreach (string path in only)
            {
                FileSystemInfo? info = Info(Path.Combine(root, path));
                if (info is not null)
                {
                    entries.Add(ToEntry(path, info));
                }
            }
        }
        else
        {
            Walk(new DirectoryInfo(root), "", entries, cancellationToken);
        }

        return Task.FromResult<IReadOnlyList<FileEntry>>(entries);
    }

    public async Task<IReadOnlyDictionary<string, string>> HashAsync(string root, IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string path in paths)
        {
            var stream = new FileStream(Path.Combine(root, path), FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true);
            await using (stream.ConfigureAwait(false))
            {
                result[path] = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
            }
        }

        return result;
    }

    public async Task WriteAsync(string root, IReadOnlyList<FileEntry> items, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(root);
        foreach (FileEntry item in items)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string path = Path.Combine(root, item.Path);
            switch (item.Kind)
            {
                case FileEntryKind.Directory:
                    Directory.CreateDirectory(path);
                    SetMode(path, item.Mode);
                    break;
                case FileEntryKind.Symlink:
                    File.Delete(path);
                    File.CreateSymbolicLink(path, item.LinkTarget!);
                    break;
                default:
                    // Write beside and rename, so a reader never sees half a file.
                    string tmp = path + FileTransfer.TempSuffix(Target);
                    File.Copy(item.SourcePath!, tmp, overwrite: true);
                    SetMode(tmp, item.Mode);
                    File.Move(tmp, path, overwrite: true);
                    break;
            }
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    public Task DeleteAsync(string root, IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        foreach (string path in paths)
        {
            string full = Path.Combine(root, path);
            FileSystemInfo? info = Info(full);
            if (info is DirectoryInfo { LinkTarget: null } dir)
            {
                dir.Delete(recursive: true);
            }
            else
            {
                info?.Delete();
            }
        }

        return Task.CompletedTask;
    }

    private static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    private static void Walk(DirectoryInfo dir, string prefix, List<FileEntry> entries, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        foreach (FileSystemInfo item in dir.EnumerateFileSystemInfos())
        {
            string relative = prefix + item.Name;
            entries.Add(ToEntry(relative, item));
            if (item is DirectoryInfo sub && item.LinkTarget is null)
            {
                Walk(sub, relative + "/", entries, cancellationToken);
            }
        }
    }

    private static FileEntry ToEntry(string relative, FileSystemInfo info) => info.LinkTarget is { } target
        ? new FileEntry(relative, FileEntryKind.Symlink, 0, info.UnixFileMode, LinkTarget: target)
        : info is DirectoryInfo
            ? new FileEntry(relative, FileEntryKind.Directory, 0, info.UnixFileMode)
            : new FileEntry(relative, FileEntryKind.File, ((FileInfo)info).Length, info.UnixFileMode);

    private static FileSystemInfo? Info(string path)
    {
        var file = new FileInfo(path);
        if (file.LinkTarget is not null || file.Exists)
        {
            return file;
        }

        var dir = new DirectoryInfo(path);
        return dir.Exists ? dir : null;
    }
}
