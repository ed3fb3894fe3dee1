using System.Diagnostics;

namespace Fanout.Diagnostics;

/// <summary>Whether a process of this host is alive: the one check behind run ownership (the store) and spill-directory cleanup.</summary>
internal static class ProcessLiveness
{
    /// <summary>Whether a process with <paramref name="pid"/> exists on this host (this process always does).</summary>
    public static bool IsAlive(int pid)
    {
        if (pid == Environment.ProcessId)
        {
            return true;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
        catch (InvalidOperationException)
        {
            return false; // exited between lookup and check
        }
    }
}
