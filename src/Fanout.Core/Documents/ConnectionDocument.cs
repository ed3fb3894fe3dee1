using Fanout.Inventory;

namespace Fanout.Documents;

/// <summary>
/// How a target is reached (seed 003: connection metadata in results): its transport, and the host, port and user the
/// inventory gives for it (null where it gives none: the SSH config and defaults then apply). Never a password, key, var or
/// other secret. Added by the server's documents from its inventory (a target no longer in it has none).
/// </summary>
/// <param name="Transport"><c>local</c>, <c>ssh</c>, <c>device</c>, …</param>
/// <param name="Host">The address connected to (the target's name when the inventory gives no host); null for local targets.</param>
/// <param name="Port">The port, when the inventory gives one.</param>
/// <param name="User">The user, when the inventory gives one.</param>
internal sealed record ConnectionDocument(string Transport, string? Host, int? Port, string? User)
{
    /// <summary>The connection metadata of <paramref name="target"/>.</summary>
    public static ConnectionDocument Of(Target target)
    {
        ArgumentNullException.ThrowIfNull(target);
        bool local = target.Transport == TransportNames.Local;
        return new ConnectionDocument(target.Transport, local ? null : target.Host ?? target.Name, local ? null : target.Port, local ? null : target.User);
    }
}
