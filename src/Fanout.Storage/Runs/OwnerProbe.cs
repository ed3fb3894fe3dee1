namespace Fanout.Storage;

/// <summary>Identifies this process as a run owner and checks whether another owner on this host is alive.</summary>
internal class OwnerProbe
{
    /// <summary>The probe for the real machine.</summary>
    public static OwnerProbe Default { get; } = new();

    /// <summary>This machine's host name.</summary>
    public virtual string HostName => Environment.MachineName;

    /// <summary>This process's id.</summary>
    public virtual int ProcessId => Environment.ProcessId;

    /// <summary>Whether a process with <paramref name="pid"/> exists on this host.</summary>
    public virtual bool IsAlive(int pid) => Diagnostics.ProcessLiveness.IsAlive(pid);
}
