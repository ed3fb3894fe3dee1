namespace Fanout.Server.Http;

/// <summary>
/// Keeps the server's file-system layout out of its answers: absolute paths under the configured roots (the workflows
/// directory, the inventory sources' directories, the working directory) are shown relative to their root. Applied to every
/// problem answer (<see cref="ProblemWriter"/>), workflow plans and listings.
/// </summary>
internal sealed class ServerPaths
{
    private readonly string[] _roots;

    public ServerPaths(ServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        IEnumerable<string> roots = [
            Path.GetFullPath(options.WorkflowsDirectory),
            .. options.InventorySources.Where(s => !s.Contains("://", StringComparison.Ordinal)).Select(s => Path.GetDirectoryName(Path.GetFullPath(s)) ?? "/"),
            Environment.CurrentDirectory,
        ];
        _roots = [.. roots.Select(r => r.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar).Where(r => r.Length > 1).Distinct(StringComparer.Ordinal)
            .OrderByDescending(r => r.Length)];
        WorkflowsDirectoryName = Path.GetFileName(Path.GetFullPath(options.WorkflowsDirectory).TrimEnd(Path.DirectorySeparatorChar));
    }

    /// <summary>How the workflows directory is shown: its name.</summary>
    public string WorkflowsDirectoryName { get; }

    /// <summary><paramref name="text"/> with every configured root prefix removed from the paths in it.</summary>
    public string Relative(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (string root in _roots)
        {
            text = text.Replace(root, string.Empty, StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>
    /// The real path of <paramref name="path"/>: every symbolic link on the way resolved (like <c>realpath</c>), so a check
    /// that a file lies inside a directory cannot be escaped through a link. Missing parts are kept as given.
    /// </summary>
    public static string RealPath(string path)
    {
        string full = Path.GetFullPath(path);
        string current = Path.GetPathRoot(full) ?? "/";
        int hops = 0;
        var pending = new Queue<string>(full[current.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries));
        while (pending.Count > 0)
        {
            string next = Path.Combine(current, pending.Dequeue());
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (info.LinkTarget is { } target)
            {
                if (++hops > 40)
                {
                    throw new IOException($"too many levels of symbolic links at {next}");
                }

                string resolved = Path.GetFullPath(target, current);
                var rest = pending.ToArray();
                pending.Clear();
                string root = Path.GetPathRoot(resolved) ?? "/";
                foreach (string part in resolved[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Concat(rest))
                {
                    pending.Enqueue(part);
                }

                current = root;
                continue;
            }

            current = next;
        }

        return current;
    }

    /// <summary>Whether <paramref name="path"/>, links resolved, lies inside <paramref name="directory"/> (links resolved).</summary>
    public static bool IsInside(string directory, string path)
    {
        string dir = RealPath(directory).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        return RealPath(path).StartsWith(dir, StringComparison.Ordinal);
    }
}
