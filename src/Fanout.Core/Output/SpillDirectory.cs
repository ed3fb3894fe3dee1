using System.Collections.Concurrent;
using System.Globalization;

namespace Fanout.Output;

/// <summary>
/// The directory holding one run's spill files (SPEC X12: the exact bytes of outputs longer than their in-memory window),
/// <c>ROOT/RUNID.RANDOM/</c>, and its lifetime. The process that creates it holds an exclusive lock on its
/// <see cref="OwnerFile"/> (which also names the process and host) until the directory is deleted: when the run's results
/// are written (<see cref="Execution.BatchResult.DeleteSpillFiles"/>), else when the process exits. Directories left by a
/// process that died (kill -9, power loss) are removed by the next run that spills under the same root: only directories
/// with an owner file (made by Fanout), whose lock is free, whose owner process on this host is gone, and which are older
/// than <see cref="MinStaleAge"/>.
/// </summary>
internal sealed class SpillDirectory : IDisposable
{
    /// <summary>The owner file in every spill directory: locked by the owning process, holds <c>PID HOST</c>.</summary>
    public const string OwnerFile = ".owner";

    /// <summary>A directory younger than this is never taken for stale (its owner may be between creating and locking it).</summary>
    public static readonly TimeSpan MinStaleAge = TimeSpan.FromMinutes(1);

    private static readonly ConcurrentDictionary<SpillDirectory, byte> Live = new();
    private static readonly ConcurrentDictionary<string, byte> Swept = new(StringComparer.Ordinal);
    private static int _exitHooked;
    private readonly Lock _sync = new();
    private FileStream? _owner;

    private SpillDirectory(string path, FileStream owner)
    {
        FullPath = path;
        _owner = owner;
    }

    /// <summary>The directory.</summary>
    public string FullPath { get; }

    /// <summary>Whether the directory was deleted.</summary>
    public bool Deleted
    {
        get
        {
            lock (_sync)
            {
                return _owner is null;
            }
        }
    }

    /// <summary>Creates and locks a new spill directory for <paramref name="runId"/> under <paramref name="root"/>; the first one of the process under a root first removes the stale ones there.</summary>
    /// <exception cref="IOException">The directory cannot be created.</exception>
    public static SpillDirectory Create(string root, string runId)
    {
        root = Path.GetFullPath(root);
        Directory.CreateDirectory(root);
        if (Swept.TryAdd(root, 0))
        {
            RemoveStale(root, MinStaleAge);
        }

        if (Interlocked.Exchange(ref _exitHooked, 1) == 0)
        {
            AppDomain.CurrentDomain.ProcessExit += static (_, _) => DeleteAll();
        }

        for (int attempt = 1; ; attempt++)
        {
            string path = Path.Combine(root, $"{SafeName(runId)}.{Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.Next()))}");
            if (Directory.Exists(path))
            {
                continue;
            }

            try
            {
                Directory.CreateDirectory(path);
                var owner = new FileStream(Path.Combine(path, OwnerFile), FileMode.CreateNew, FileAccess.Write, FileShare.None);
                owner.Write(System.Text.Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId} {Environment.MachineName}\n")));
                owner.Flush();
                var directory = new SpillDirectory(path, owner);
                Live[directory] = 0;
                return directory;
            }
            catch (IOException) when (attempt < 5)
            {
                // Another process took the name between the check and the create: pick another.
            }
        }
    }

    /// <summary>A path for one spill file in the directory.</summary>
    public string PathFor(string fileName) => Path.Combine(FullPath, fileName);

    /// <summary>Deletes the directory and every spill file in it (idempotent). Outputs that pointed there show their in-memory window only.</summary>
    public void Dispose()
    {
        lock (_sync)
        {
            if (_owner is null)
            {
                return;
            }

            Live.TryRemove(this, out _);
            _owner.Dispose();
            _owner = null;
            TryDelete(FullPath);
        }
    }

    /// <summary>Where spill directories go when <see cref="Execution.ExecutionOptions.SpillDirectory"/> is not set: <c>$TMPDIR/fanout/spill</c>.</summary>
    public static string DefaultRoot => Path.Combine(Path.GetTempPath(), "fanout", "spill");

    /// <summary>
    /// Removes the spill directories of run <paramref name="runId"/> under <paramref name="root"/> that an earlier process
    /// left (killed while running it), whatever their age: for a run being resumed, whose earlier owner is known gone. Each
    /// is still checked as <see cref="RemoveStale"/> checks (owner file, lock free, owner process gone); returns how many.
    /// </summary>
    internal static int RemoveAbandoned(string root, string runId) => RemoveStale(root, TimeSpan.Zero, SafeName(runId) + ".");

    /// <summary>Removes the spill directories under <paramref name="root"/> that are ours and abandoned (see the type's remarks); returns how many.</summary>
    internal static int RemoveStale(string root, TimeSpan minAge, string? namePrefix = null)
    {
        int removed = 0;
        IEnumerable<string> directories;
        try
        {
            directories = Directory.EnumerateDirectories(root).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }

        foreach (string directory in directories)
        {
            if (namePrefix is not null && !Path.GetFileName(directory).StartsWith(namePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            string owner = Path.Combine(directory, OwnerFile);
            try
            {
                // Only directories Fanout made, old enough that their owner had time to lock them.
                if (!File.Exists(owner) || DateTime.UtcNow - File.GetLastWriteTimeUtc(owner) < minAge)
                {
                    continue;
                }

                // The lock is free only when no process holds the directory; held while deleting so no one races us.
                using var probe = new FileStream(owner, FileMode.Open, FileAccess.Read, FileShare.None);
                if (OwnerMayLive(probe))
                {
                    continue;
                }

                TryDelete(directory);
                removed += Directory.Exists(directory) ? 0 : 1;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Locked by its (living) owner, or not ours to touch.
            }
        }

        return removed;
    }

    /// <summary>
    /// A second check besides the lock (which file-locking settings could disable): the owner named in the file is a
    /// process on another host (not ours to judge) or one still running here.
    /// </summary>
    private static bool OwnerMayLive(FileStream owner)
    {
        using var reader = new StreamReader(owner, leaveOpen: true);
        string[] parts = (reader.ReadLine() ?? string.Empty).Split(' ', 2);
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
        {
            return false; // unreadable: the lock was free, so nobody holds it
        }

        if (!string.Equals(parts[1], Environment.MachineName, StringComparison.Ordinal))
        {
            return true;
        }

        return Diagnostics.ProcessLiveness.IsAlive(pid);
    }

    private static void DeleteAll()
    {
        foreach (SpillDirectory directory in Live.Keys)
        {
            directory.Dispose();
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a file still open elsewhere; the next run's sweep takes it when its owner is gone.
        }
    }

    private static string SafeName(string name)
    {
        char[] invalid = Path.GetInvalidFileNameChars();
        return string.Create(name.Length, name, (span, source) =>
        {
            for (int i = 0; i < source.Length; i++)
            {
                char c = source[i];
                span[i] = Array.IndexOf(invalid, c) >= 0 || c == '\\' || c == ':' ? '_' : c;
            }
        });
    }
}
