using Fanout.Workflows.Model;

namespace Fanout.Server.Workflows;

/// <summary>
/// <c>GET /api/workflows/{file}</c>: a workflow file with its validity, diagnostics and declared parameters — what a client
/// needs to build the typed parameter form of a run (the web UI's parameter form is rendered from the same documents).
/// </summary>
internal sealed record WorkflowDetail(string File, string? Name, string? Description, bool Valid, IReadOnlyList<WorkflowParameterDocument> Parameters,
    IReadOnlyList<DiagnosticDocument> Diagnostics);

/// <summary>
/// One declared parameter (SPEC W2) as a form needs it. <c>type</c> is <c>string</c>, <c>number</c>, <c>boolean</c>, <c>list</c> or
/// <c>object</c>; <c>allowed</c> makes it a choice. A secret parameter's default is never given (<c>hasDefault</c> says it has one).
/// </summary>
public sealed record WorkflowParameterDocument(string Name, string Type, string? Description, bool Required, bool Secret, bool HasDefault, object? Default,
    IReadOnlyList<object?>? Allowed, double? Min, double? Max, string? Pattern, int? MinItems, int? MaxItems)
{
    public static WorkflowParameterDocument From(WorkflowParameter p) =>
        new(p.Name, TypeName(p.Type), p.Description, p.Required && !p.HasDefault, p.Secret, p.HasDefault, p.Secret ? null : p.Default,
            p.Validation?.Allowed, p.Validation?.Min, p.Validation?.Max, p.Validation?.Pattern, p.Validation?.MinItems, p.Validation?.MaxItems);

    public static IReadOnlyList<WorkflowParameterDocument> Of(WorkflowDefinition? workflow) =>
        workflow is null ? [] : [.. workflow.Parameters.Where(p => p.Name.Length > 0).Select(From)];

    private static string TypeName(ParameterType type) => type switch
    {
        ParameterType.Number => "number",
        ParameterType.Boolean => "boolean",
        ParameterType.List => "list",
        ParameterType.Object => "object",
        _ => "string",
    };
}
