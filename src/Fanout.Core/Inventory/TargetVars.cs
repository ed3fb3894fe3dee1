namespace Fanout.Inventory;

/// <summary>Variable names with a meaning to Fanout, read from <see cref="Target.Vars"/>.</summary>
public static class TargetVars
{
    /// <summary>
    /// The private key file for the ssh transport. Ansible's <c>ansible_ssh_private_key_file</c>
    /// (or <c>ansible_private_key_file</c>) is copied to this name.
    /// </summary>
    public const string SshPrivateKeyFile = "ssh_private_key_file";

    /// <summary>Ansible inventories: a mapping (or <c>k=v,k2=v2</c> string) that becomes the target's tags.</summary>
    public const string FanoutTags = "fanout_tags";

    /// <summary>Ansible inventories: the name of the target's lifecycle provider.</summary>
    public const string FanoutProvider = "fanout_provider";

    /// <summary>Ansible inventories: the transport name, overriding what <c>ansible_connection</c> implies.</summary>
    public const string FanoutTransport = "fanout_transport";
}
