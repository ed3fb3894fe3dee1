namespace Fanout.Storage.Tests;

/// <summary>An owner probe with a chosen host name and a set of live pids (unit logic of interruption detection).</summary>
internal sealed class TestOwnerProbe(string host, params int[] alive) : OwnerProbe
{
    public HashSet<int> Alive { get; } = [.. alive];

    public override string HostName => host;

    public override bool IsAlive(int pid) => Alive.Contains(pid);
}
