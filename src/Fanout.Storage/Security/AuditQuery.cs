namespace Fanout.Security;

/// <summary>An audit log query, oldest first.</summary>
public sealed record AuditQuery
{
    /// <summary>Only entries of this batch, or <see langword="null"/> for all.</summary>
    public string? BatchId { get; init; }

    /// <summary>Only entries of this actor, or <see langword="null"/>.</summary>
    public string? Actor { get; init; }

    /// <summary>Only entries with this action, or <see langword="null"/>.</summary>
    public string? Action { get; init; }

    /// <summary>Only entries written at or after this time, or <see langword="null"/>.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Only entries written at or before this time, or <see langword="null"/>.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Only entries with an id greater than this. The default value is 0.</summary>
    public long AfterId { get; init; }

    /// <summary>At most this many entries. The default value is 1,000.</summary>
    public int Limit { get; init; } = 1000;
}
