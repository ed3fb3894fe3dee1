using Fanout.Diagnostics;

namespace Fanout.Workflows.Model;

/// <summary>Constraints on a parameter value (W2 <c>validation:</c>). Every constraint is optional.</summary>
public sealed record ParameterValidation
{
    /// <summary>A regular expression the whole string (or every list item) must match.</summary>
    public string? Pattern { get; init; }

    /// <summary>The fewest list items allowed.</summary>
    public int? MinItems { get; init; }

    /// <summary>The most list items allowed.</summary>
    public int? MaxItems { get; init; }

    /// <summary>The smallest number allowed.</summary>
    public double? Min { get; init; }

    /// <summary>The largest number allowed.</summary>
    public double? Max { get; init; }

    /// <summary>The allowed values (for a list: allowed items); null when any value is allowed.</summary>
    public IReadOnlyList<object?>? Allowed { get; init; }

    /// <summary>Where the <c>validation:</c> block is.</summary>
    public SourcePosition Position { get; init; }
}
