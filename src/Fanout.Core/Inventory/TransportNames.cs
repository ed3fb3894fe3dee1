namespace Fanout.Inventory;

/// <summary>The names of the built-in transports, as written in inventories.</summary>
public static class TransportNames
{
    /// <summary>Processes on this machine (SPEC S1).</summary>
    public const string Local = "local";

    /// <summary>An in-process SSH client (SPEC S2).</summary>
    public const string Ssh = "ssh";

    /// <summary>Network devices driven through an interactive SSH shell (spec S4).</summary>
    public const string Device = "device";
}
