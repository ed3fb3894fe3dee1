using Fanout.Operations;

namespace Fanout.Runs;

/// <summary>The JSON form of <see cref="SyncOptions"/> kept with a sync run's <see cref="RunDefinition"/>.</summary>
public sealed record RecordedSync
{
    /// <summary>The local source (absolute path).</summary>
    public required string Source { get; init; }

    /// <summary>The destination on each target.</summary>
    public required string Destination { get; init; }

    /// <summary><see cref="SyncOptions.Delete"/>.</summary>
    public bool Delete { get; init; }

    /// <summary><see cref="SyncOptions.Excludes"/>.</summary>
    public IReadOnlyList<string> Excludes { get; init; } = [];

    /// <summary><see cref="SyncOptions.DryRun"/>.</summary>
    public bool DryRun { get; init; }

    /// <summary><see cref="SyncOptions.Force"/>.</summary>
    public bool Force { get; init; }

    /// <summary>Captures <paramref name="sync"/>, the source made absolute.</summary>
    public static RecordedSync From(SyncOptions sync)
    {
        ArgumentNullException.ThrowIfNull(sync);
        return new RecordedSync
        {
            Source = Path.GetFullPath(sync.Source),
            Destination = sync.Destination,
            Delete = sync.Delete,
            Excludes = sync.Excludes,
            DryRun = sync.DryRun,
            Force = sync.Force,
        };
    }

    /// <summary>Rebuilds the sync options.</summary>
    public SyncOptions ToOptions() => new() { Source = Source, Destination = Destination, Delete = Delete, Excludes = Excludes, DryRun = DryRun, Force = Force };
}
