using Fanout.Diagnostics;

namespace Fanout.Workflows.Templates;

/// <summary>The templates found (built-in first, then user templates by name) and problems with user template files.</summary>
/// <param name="Templates">Every readable template.</param>
/// <param name="Diagnostics">Errors in user template files (an unreadable or unparsable file is left out).</param>
public sealed record TemplateCatalogResult(IReadOnlyList<WorkflowTemplate> Templates, IReadOnlyList<Diagnostic> Diagnostics)
{
    /// <summary>
    /// The template called <paramref name="name"/>: a user template wins over a built-in of the same name, so a team can
    /// override a built-in by saving its own version. Null when there is none.
    /// </summary>
    public WorkflowTemplate? Find(string name) =>
        Templates.FirstOrDefault(t => !t.IsBuiltIn && t.Name == name) ?? Templates.FirstOrDefault(t => t.Name == name);
}
