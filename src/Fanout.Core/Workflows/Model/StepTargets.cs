using Fanout.Diagnostics;
using Fanout.Execution;

namespace Fanout.Workflows.Model;

/// <summary>The target selection a step fans out to (W11 <c>targets:</c>), with its execution settings.</summary>
public sealed record StepTargets
{
    /// <summary>Tags (<c>tag:</c>, a string or list); a target needs all of them.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Name patterns (<c>pattern:</c>).</summary>
    public IReadOnlyList<string> Patterns { get; init; } = [];

    /// <summary>Groups (<c>group:</c>).</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];

    /// <summary>
    /// Targets to leave out (<c>exclude:</c>, a string or list): each is an Ansible host pattern like <c>--exclude</c>
    /// takes — a name, group, glob, <c>~regex</c>, or a union with <c>,</c>/<c>:</c>, <c>&amp;</c> and <c>!</c>.
    /// </summary>
    public IReadOnlyList<string> Excludes { get; init; } = [];

    /// <summary>At most this many targets, or null.</summary>
    public int? Limit { get; init; }

    /// <summary>Wave sizes (<c>batch_size: 25%</c> or a list), empty for one wave.</summary>
    public IReadOnlyList<WaveSize> BatchSizes { get; init; } = [];

    /// <summary>Concurrency across targets, or null for the run's default.</summary>
    public int? Parallel { get; init; }

    /// <summary>Abort when more than this percentage of targets fail, or null.</summary>
    public double? MaxFailPercent { get; init; }

    /// <summary>Where the block is.</summary>
    public SourcePosition Position { get; init; }
}
