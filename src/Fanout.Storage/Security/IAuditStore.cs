namespace Fanout.Security;

/// <summary>The audit log (SPEC A7), kept in the run store. Implementations are thread-safe.</summary>
public interface IAuditStore
{
    /// <summary>Appends entries in one transaction, in order.</summary>
    Task AppendAuditAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken);

    /// <summary>Reads entries matching <paramref name="query"/>, oldest first.</summary>
    Task<IReadOnlyList<AuditEntry>> QueryAuditAsync(AuditQuery query, CancellationToken cancellationToken);
}
