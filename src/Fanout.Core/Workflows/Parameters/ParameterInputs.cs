namespace Fanout.Workflows.Parameters;

/// <summary>Parameter values as given on the command line (SPEC W2).</summary>
public sealed class ParameterInputs
{
    /// <summary><c>--set KEY=VALUE[,KEY=VALUE…]</c> arguments, in order (later wins). The default value is empty.</summary>
    public IReadOnlyList<string> Set { get; init; } = [];

    /// <summary><c>--set-file KEY=PATH</c> arguments; the file's content is the value. The default value is empty.</summary>
    public IReadOnlyList<string> SetFile { get; init; } = [];

    /// <summary><c>-e/--env ENV</c>: sets <c>environment</c>. The default value is null (not set).</summary>
    public string? Environment { get; init; }
}
