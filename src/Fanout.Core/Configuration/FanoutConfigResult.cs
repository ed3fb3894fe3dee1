using Fanout.Diagnostics;

namespace Fanout.Configuration;

/// <summary>The outcome of loading Fanout's config: the configuration (defaults where a part was invalid) and every problem found.</summary>
/// <param name="Config">The configuration; usable even with errors (invalid parts are left out).</param>
/// <param name="Diagnostics">Errors and warnings with <c>file:line:col</c>.</param>
public sealed record FanoutConfigResult(FanoutConfig Config, IReadOnlyList<Diagnostic> Diagnostics)
{
    /// <summary>True when any diagnostic is an error.</summary>
    public bool HasErrors => Diagnostics.Any(d => d.IsError);
}
