using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Fanout.Transports;

namespace Fanout.Operations;

/// <summary>The source side of a sync, scanned once per operation and shared by all targets.</summary>
internal sealed class LocalTree
{
    private readonly Dictionary<string, Lazy<string>> _hashes = new(StringComparer.Ordinal);

    private LocalTree(string root, IReadOnlyList<FileEntry> entries, bool singleFile)
    {
        Root = root;
        Entries = entries;
        SingleFile = singleFile;
        foreach (FileEntry e in entries.Where(e => e.Kind == FileEntryKind.File))
        {
            string source = e.SourcePath!;
            _hashes[e.Path] = new Lazy<string>(() => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(source))));
        }
    }

    public string Root { get; }

    public IReadOnlyList<FileEntry> Entries { get; }

    public bool SingleFile { get; }

    public string Hash(string path) => _hashes[path].Value;

    /// <summary>Scans the source; returns an error (and no tree) when a symlink would escape the destination.</summary>
    public static (LocalTree? Tree, string? Error) Scan(SyncOptions options)
    {
        if (File.Exists(options.Source))
        {
            var info = new FileInfo(options.Source);
            string name = options.Destination.TrimEnd('/').Split('/')[^1];
            return (new LocalTree(Path.GetDirectoryName(options.Destination.TrimEnd('/')) is { Length: > 0 } d ? d : "/",
                [new FileEntry(name, FileEntryKind.File, info.Length, info.UnixFileMode, SourcePath: info.FullName)], singleFile: true), null);
        }

        var excludes = options.Excludes.Select(Glob).ToList();
        var entries = new List<FileEntry>();
        string? error = Walk(new DirectoryInfo(options.Source), "", excludes, entries);
        return error is null ? (new LocalTree(options.Destination, entries, singleFile: false), null) : (null, error);
    }

    public static bool IsExcluded(IReadOnlyList<Regex> excludes, string relative) =>
        excludes.Any(r => r.IsMatch(relative) || r.IsMatch(relative.Split('/')[^1]));

    /// <summary>Whether <paramref name="relative"/> or any directory above it is excluded: an excluded directory is kept with everything under it.</summary>
    public static bool IsExcludedOrUnder(IReadOnlyList<Regex> excludes, string relative)
    {
        if (excludes.Count == 0)
        {
            return false;
        }

        int slash = -1;
        while ((slash = relative.IndexOf('/', slash + 1)) >= 0)
        {
            if (IsExcluded(excludes, relative[..slash]))
            {
                return true;
            }
        }

        return IsExcluded(excludes, relative);
    }

    public static Regex Glob(string glob)
    {
        string pattern = "^" + Regex.Escape(glob.TrimEnd('/'))
            .Replace(@"\*\*/", "(.*/)?", StringComparison.Ordinal)
            .Replace(@"\*\*", ".*", StringComparison.Ordinal)
            .Replace(@"\*", "[^/]*", StringComparison.Ordinal)
            .Replace(@"\?", "[^/]", StringComparison.Ordinal) + "$";
        return new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    private static string? Walk(DirectoryInfo dir, string prefix, IReadOnlyList<Regex> excludes, List<FileEntry> entries)
    {
        foreach (FileSystemInfo item in dir.EnumerateFileSystemInfos().OrderBy(i => i.Name, StringComparer.Ordinal))
        {
            string relative = prefix + item.Name;
            if (IsExcluded(excludes, relative))
            {
                continue;
            }

            if (item.LinkTarget is { } target)
            {
                if (target.StartsWith('/'))
                {
                    return $"symlink '{relative}' has an absolute target '{target}', which would escape the destination";
                }

                string resolved = string.Join('/', Normalize((prefix + target).Split('/')));
                if (resolved.StartsWith("../", StringComparison.Ordinal) || resolved == "..")
                {
                    return $"symlink '{relative}' -> '{target}' points outside the synced tree";
                }

                entries.Add(new FileEntry(relative, FileEntryKind.Symlink, 0, item.UnixFileMode, LinkTarget: target));
            }
            else if (item is DirectoryInfo sub)
            {
                entries.Add(new FileEntry(relative, FileEntryKind.Directory, 0, sub.UnixFileMode));
                string? error = Walk(sub, relative + "/", excludes, entries);
                if (error is not null)
                {
                    return error;
                }
            }
            else if (item is FileInfo file)
            {
                entries.Add(new FileEntry(relative, FileEntryKind.File, file.Length, file.UnixFileMode, SourcePath: file.FullName));
            }
        }

        return null;
    }

    private static List<string> Normalize(IEnumerable<string> parts)
    {
        var stack = new List<string>();
        foreach (string part in parts)
        {
            if (part is "" or ".")
            {
                continue;
            }

            if (part == ".." && stack.Count > 0 && stack[^1] != "..")
            {
                stack.RemoveAt(stack.Count - 1);
            }
            else
            {
                stack.Add(part);
            }
        }

        return stack;
    }
}
