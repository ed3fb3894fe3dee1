using System.Globalization;
using Fanout.Inventory;

namespace Fanout.Execution;

/// <summary>
/// Checks before a run starts that the process may open the files it will need (issue 11 item 6): a run at
/// <c>--parallel N</c> holds per running target about <see cref="PerLocalTarget"/> descriptors for a local process
/// (stdin/stdout/stderr pipes while it starts, output spill files) or <see cref="PerSshTarget"/> for an SSH target (the
/// connection's socket, a ProxyJump forward, spill files), plus <see cref="Reserve"/> for the runtime (about 110 descriptors are open assemblies and the like), the store and logs.
/// Failing mid-run with "too many open files" is worse than refusing up front.
/// </summary>
internal static class OpenFileBudget
{
    public const int PerLocalTarget = 6;
    public const int PerSshTarget = 4;
    public const int Reserve = 160;

    /// <summary>The message refusing the run, or <see langword="null"/> when the limit allows it (or is unknown).</summary>
    public static string? Check(int parallel, IReadOnlyList<Target> targets, long? limit = null)
    {
        ArgumentNullException.ThrowIfNull(targets);
        limit ??= SoftLimit();
        if (limit is not { } max || targets.Count == 0)
        {
            return null;
        }

        int running = Math.Min(Math.Max(1, parallel), targets.Count);
        int per = targets.Any(t => t.Transport is null or TransportNames.Local) ? PerLocalTarget : PerSshTarget;
        long needed = ((long)running * per) + Reserve;
        if (needed <= max)
        {
            return null;
        }

        long fits = Math.Max(1, (max - Reserve) / per);
        return string.Create(CultureInfo.InvariantCulture,
            $"--parallel {parallel} needs about {needed} open files ({running} targets at once × {per} + {Reserve}) but the limit (ulimit -n) is {max}: use --parallel {fits} or less, or raise the limit (ulimit -n {needed})");
    }

    /// <summary>The soft RLIMIT_NOFILE of this process (Linux: <c>/proc/self/limits</c>), or <see langword="null"/> when unknown or unlimited.</summary>
    public static long? SoftLimit()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/limits"))
            {
                if (line.StartsWith("Max open files", StringComparison.Ordinal))
                {
                    string[] parts = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return parts.Length > 0 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long soft) ? soft : null;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }
}
