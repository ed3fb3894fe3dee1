using Fanout.Runs;
using Fanout.Security;

namespace Fanout.Storage;

/// <summary>
/// The store <see cref="StoreFactory"/> opens: the run store (<see cref="IRunStore"/>, with the workflow engine's tables as
/// <see cref="IRunStore.Workflows"/>) and, in the same database, the API tokens and the audit log of <c>fanout serve</c> —
/// each reached as a property, never by casting.
/// </summary>
public interface IFanoutStore : IRunStore
{
    /// <summary>The API tokens (SPEC A5).</summary>
    ITokenStore Tokens { get; }

    /// <summary>The audit log (SPEC A7).</summary>
    IAuditStore Audit { get; }
}
