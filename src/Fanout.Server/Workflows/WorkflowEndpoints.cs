using System.Text.Json.Serialization;
using Fanout.Diagnostics;
using Fanout.Security;
using Fanout.Server.Auth;
using Fanout.Server.Http;
using Fanout.Workflows;
using Fanout.Workflows.Validation;

namespace Fanout.Server.Workflows;

/// <summary>
/// SPEC A4 workflows: list the workflow files of <see cref="ServerOptions.WorkflowsDirectory"/> and validate a workflow with
/// the same validator as <c>fanout validate</c>. Running, planning and approving are in <see cref="WorkflowRunEndpoints"/>.
/// </summary>
internal static class WorkflowEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        RouteGroupBuilder group = app.MapGroup("/api/workflows").WithTags("Workflows");
        group.MapGet("/", List).WithName("ListWorkflows").Produces<WorkflowList>().WithMetadata(new RequiresRoleAttribute(ApiRole.Viewer));
        group.MapGet("/{file}", Detail).WithName("GetWorkflow").Produces<WorkflowDetail>().ProducesProblem(StatusCodes.Status404NotFound)
            .WithMetadata(new RequiresRoleAttribute(ApiRole.Viewer));
        group.MapGet("/{file}/graph", Graph).WithName("GetWorkflowGraph").Produces<WorkflowGraph>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .WithMetadata(new RequiresRoleAttribute(ApiRole.Viewer));
        group.MapPost("/validate", ValidateAsync).WithName("ValidateWorkflow")
            .AcceptsJson<ValidateRequest>().Produces<ValidationReport>().ProducesValidationProblem()
            .WithMetadata(new RequiresRoleAttribute(ApiRole.Viewer));
    }

    private static IResult List(ServerOptions options, ServerPaths paths)
    {
        // Links leading out of the directory are not listed (nor read: their diagnostics would show what they point at).
        var files = Files(options)
            .Select(f =>
            {
                WorkflowParseResult parsed = WorkflowValidator.ValidateFile(f);
                return new WorkflowSummary(Path.GetFileName(f), parsed.Workflow?.Name, parsed.Workflow?.Description, !parsed.HasErrors);
            });
        return Results.Ok(new WorkflowList(paths.WorkflowsDirectoryName, [.. files]));
    }

    /// <summary>The workflow files of the directory (links leading out of it are left out), in name order.</summary>
    public static IReadOnlyList<string> Files(ServerOptions options)
    {
        string dir = Path.GetFullPath(options.WorkflowsDirectory);
        return !Directory.Exists(dir) ? [] :
        [
            .. Directory.EnumerateFiles(dir).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
                .Where(f => ServerPaths.IsInside(dir, f)).Order(StringComparer.Ordinal),
        ];
    }

    /// <summary>The full path of <paramref name="file"/> when it is one of <see cref="Files"/> (a name with a path in it never reaches the file system).</summary>
    public static string? Find(ServerOptions options, string? file) =>
        string.IsNullOrEmpty(file) ? null : Files(options).FirstOrDefault(f => Path.GetFileName(f) == file);

    private static IResult Detail(string file, ServerOptions options)
    {
        if (Find(options, file) is not { } path)
        {
            return Problems.NotFound($"no workflow file '{file}' in the server's workflows directory");
        }

        WorkflowParseResult parsed = WorkflowValidator.ValidateFile(path);
        return Results.Ok(new WorkflowDetail(file, parsed.Workflow?.Name, parsed.Workflow?.Description, !parsed.HasErrors, WorkflowParameterDocument.Of(parsed.Workflow),
            [.. parsed.Diagnostics.Select(d => d with { Position = d.Position with { File = file } })
                .Select(d => new DiagnosticDocument(d.IsError ? "error" : "warning", d.Position.Line, d.Position.Column, d.Message, d.ToString()))]));
    }

    private static IResult Graph(string file, ServerOptions options)
    {
        if (Find(options, file) is not { } path)
        {
            return Problems.NotFound($"no workflow file '{file}' in the server's workflows directory");
        }

        return WorkflowGraphs.ForFile(path) is { } graph ? Results.Ok(graph) : Problems.Validation("file", $"workflow file '{file}' is not valid: see GET /api/workflows/{file}");
    }

    private static async Task<IResult> ValidateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        (ValidateRequest? body, IResult? problem) = await JsonBody.ReadAsync<ValidateRequest>(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (string.IsNullOrWhiteSpace(body!.Content))
        {
            return Problems.Validation("content", "content (the workflow YAML text) is required");
        }

        WorkflowParseResult result = WorkflowValidator.ValidateText(body.Content, body.File ?? "workflow.yaml");
        return Results.Ok(new ValidationReport(!result.HasErrors, result.Workflow?.Name,
            [.. result.Diagnostics.Select(d => new DiagnosticDocument(d.IsError ? "error" : "warning", d.Position.Line, d.Position.Column, d.Message, d.ToString()))]));
    }
}

/// <summary>Body of <c>POST /api/workflows/validate</c>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record ValidateRequest(string? Content, string? File);

/// <summary>The validation result: every diagnostic with its position.</summary>
internal sealed record ValidationReport(bool Valid, string? Name, IReadOnlyList<DiagnosticDocument> Diagnostics);

/// <summary>One diagnostic; <c>text</c> is the <c>file:line:col: severity: message</c> line of <c>fanout validate</c>.</summary>
internal sealed record DiagnosticDocument(string Severity, int Line, int Column, string Message, string Text);

/// <summary>Workflow files of the workflows directory (<c>directory</c> is its name, not its place on the server).</summary>
internal sealed record WorkflowList(string Directory, IReadOnlyList<WorkflowSummary> Workflows);

/// <summary>A workflow file: its name and whether it validates.</summary>
internal sealed record WorkflowSummary(string File, string? Name, string? Description, bool Valid);
