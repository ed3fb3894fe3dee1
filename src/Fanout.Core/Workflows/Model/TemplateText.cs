using Fanout.Expressions;

namespace Fanout.Workflows.Model;

/// <summary>A string from a workflow file that may contain <c>{{ … }}</c> template actions, with where it starts.</summary>
/// <param name="Text">The text as written (after YAML unquoting).</param>
/// <param name="Origin">Where it starts in the file, for error positions.</param>
public sealed record TemplateText(string Text, TemplateOrigin Origin)
{
    /// <summary>Returns <see cref="Text"/>.</summary>
    public override string ToString() => Text;
}
