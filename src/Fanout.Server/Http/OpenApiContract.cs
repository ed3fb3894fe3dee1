using System.Reflection;
using System.Text.Json.Nodes;
using Fanout.Security;
using Fanout.Server.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Fanout.Server.Http;

/// <summary>
/// Completes the OpenAPI document so a typed client can be generated from it (issue 12 item 18): the bearer security scheme
/// and each operation's security and least role, every problem answer an operation can give (400, 401, 403, 404, 409, 413,
/// 415, 429, 503) with the one <c>Problem</c> schema and its extensions (<c>errors</c>, <c>queue</c>, <c>unknownNodeIds</c>,
/// <c>diagnostics</c>, …), enums for the closed sets, <c>required</c> from nullability, and the event stream.
/// </summary>
internal static class OpenApiContract
{
    public const string SchemeName = "bearer";
    public const string ProblemSchema = "Problem";

    /// <summary>Closed sets of string values, by declaring type and JSON property name.</summary>
    private static readonly Dictionary<(string Type, string Property), string[]> Enums = new()
    {
        [("BatchStatusDocument", "status")] = ["queued", "running", "succeeded", "failed", "cancelled"],
        [("BatchStatusDocument", "runStatus")] = ["running", "succeeded", "failed", "cancelled", "interrupted", "awaiting-approval", "queued"],
        [("ExecutionDocument", "state")] = ["queued", "running", "succeeded", "failed", "timed-out", "cancelled", "not-run", "skipped", "unreachable"],
        [("ResultTarget", "state")] = ["queued", "running", "succeeded", "failed", "timed-out", "cancelled", "not-run", "skipped", "unreachable"],
        [("ResultDocument", "status")] = ["running", "succeeded", "failed", "cancelled", "interrupted", "awaiting-approval", "queued"],
        [("HistoryRun", "status")] = ["running", "succeeded", "failed", "cancelled", "interrupted", "awaiting-approval", "queued"],
        [("TokenRequest", "role")] = ["viewer", "operator", "admin"],
        [("TokenDocument", "role")] = ["viewer", "operator", "admin"],
        [("TokenDocument", "status")] = ["active", "expired", "revoked"],
        [("ActionRequest", "type")] = ["command", "script", "sync", "task", "instance", "noop", "workflow"],
        [("BatchOptionsRequest", "failurePolicy")] = ["continue", "fail-fast", "atomic"],
        [("BatchOptionsRequest", "backoff")] = ["fixed", "linear", "exponential"],
        [("WorkflowPlanBody", "format")] = ["text", "mermaid", "dot"],
        [("WorkflowPlanDocument", "format")] = ["text", "mermaid", "dot"],
        [("DiagnosticDocument", "severity")] = ["error", "warning"],
        [("ApprovalDecided", "decision")] = ["approved", "rejected"],
        [("HealthDocument", "status")] = ["ok", "degraded"],
        [("HealthComponents", "inventory")] = ["ok", "unavailable"],
        [("HealthComponents", "queue")] = ["ok", "stopping"],
    };

    /// <summary>Closed sets of query parameter values, by operation id and parameter name.</summary>
    private static readonly Dictionary<(string Operation, string Parameter), string[]> QueryEnums = new()
    {
        [("ExportRun", "format")] = ["json", "csv"],
        [("ListRuns", "kind")] = [.. Fanout.Runs.RunKinds.All],
        [("ListExecutions", "kind")] = [.. Fanout.Runs.RunKinds.All],
        [("RetryRun", "select")] = ["all-unsuccessful", "failed", "not-run"],
    };

    private static readonly NullabilityInfoContext Nullability = new();

    /// <summary>Document transformer: the bearer scheme and the shared problem schema.</summary>
    public static Task DescribeDocumentAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
        document.Components.SecuritySchemes[SchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "fo_<8 hex>_<43 base64url>",
            Description = "An API token (fanout token create); roles: viewer < operator < admin.",
        };
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
        document.Components.Schemas[ProblemSchema] = Problem();
        return Task.CompletedTask;
    }

    /// <summary>Operation transformer: security, role, problem answers, query enums and the event stream.</summary>
    public static Task DescribeOperationAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        IList<object> metadata = context.Description.ActionDescriptor.EndpointMetadata;
        bool anonymous = metadata.OfType<IAllowAnonymous>().Any();
        bool body = metadata.OfType<JsonRequestBody.Metadata>().Any();
        operation.Responses ??= new OpenApiResponses();
        if (!anonymous)
        {
            ApiRole role = metadata.OfType<RequiresRoleAttribute>().LastOrDefault()?.Role ?? ApiRole.Admin;
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeName, context.Document)] = [] }];
            operation.Description = (operation.Description is null ? string.Empty : operation.Description + "\n\n") + $"Needs a token with role {role.ToWireName()} or higher.";
            operation.Extensions ??= new Dictionary<string, IOpenApiExtension>(StringComparer.Ordinal);
            operation.Extensions["x-fanout-role"] = new JsonNodeExtension(JsonValue.Create(role.ToWireName())!);
            AddProblem(operation, context, "401", "No, an unknown, a revoked or an expired token (WWW-Authenticate: Bearer).");
            AddProblem(operation, context, "403", "The token's role is too low.");
            AddProblem(operation, context, "429", "Too many failed authentications with this credential or from this address (Retry-After).");
        }

        AddProblem(operation, context, "413", "The request body is larger than the server's limit.");
        if (body || (operation.Parameters?.Any(p => p.In == ParameterLocation.Query) ?? false))
        {
            AddProblem(operation, context, "400", "The request is invalid: errors maps each wrong field or query parameter to its messages.");
        }

        if (body)
        {
            AddProblem(operation, context, "415", "The body is not application/json in UTF-8.");
        }

        foreach ((string code, IOpenApiResponse response) in operation.Responses.ToList())
        {
            if (code.Length == 3 && code[0] is '4' or '5' && response is OpenApiResponse concrete)
            {
                concrete.Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
                {
                    ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(ProblemSchema, context.Document) },
                };
            }
        }

        foreach (OpenApiParameter parameter in (operation.Parameters ?? []).OfType<OpenApiParameter>())
        {
            if (operation.OperationId is { } id && parameter.Name is { } name && QueryEnums.TryGetValue((id, name), out string[]? values) && parameter.Schema is OpenApiSchema schema)
            {
                schema.Enum = [.. values.Select(v => JsonValue.Create(v)!)];
            }
        }

        if (operation.OperationId == "StreamBatchEvents")
        {
            DescribeEventStream(operation);
        }

        return Task.CompletedTask;
    }

    /// <summary>Schema transformer: enums of closed sets and <c>required</c> for the non-nullable properties of the server's documents.</summary>
    public static Task DescribeSchemaAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonPropertyInfo is { } property && Enums.TryGetValue((property.DeclaringType.Name, property.Name), out string[]? values))
        {
            List<JsonNode> list = [.. values.Select(v => JsonValue.Create(v)!)];
            schema.Enum = list;
        }

        Type type = context.JsonTypeInfo.Type;
        if (context.JsonPropertyInfo is null && (type.Namespace?.StartsWith("Fanout.Server", StringComparison.Ordinal) == true || type.Namespace == "Fanout.Documents")
            && context.JsonTypeInfo.Kind == System.Text.Json.Serialization.Metadata.JsonTypeInfoKind.Object)
        {
            foreach (System.Text.Json.Serialization.Metadata.JsonPropertyInfo p in context.JsonTypeInfo.Properties)
            {
                if (p.AttributeProvider is PropertyInfo info && IsRequired(info))
                {
                    schema.Required ??= new HashSet<string>(StringComparer.Ordinal);
                    schema.Required.Add(p.Name);
                }
            }
        }

        return Task.CompletedTask;
    }

    // Responses: every property that can never be null is always present. Requests: what the body must hold (non-nullable).
    private static bool IsRequired(PropertyInfo property) =>
        property.PropertyType.IsValueType
            ? Nullable.GetUnderlyingType(property.PropertyType) is null
            : Nullability.Create(property).ReadState == NullabilityState.NotNull;

    private static void AddProblem(OpenApiOperation operation, OpenApiOperationTransformerContext context, string code, string description)
    {
        if (!operation.Responses!.ContainsKey(code))
        {
            operation.Responses[code] = new OpenApiResponse { Description = description };
        }
    }

    private static void DescribeEventStream(OpenApiOperation operation)
    {
        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = "Last-Event-ID",
            In = ParameterLocation.Header,
            Description = "Resume after this event id (a browser EventSource sends it when it reconnects).",
            Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64" },
        });
        if (operation.Parameters.OfType<OpenApiParameter>().All(p => p.Name != "lastEventId"))
        {
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = "lastEventId",
                In = ParameterLocation.Query,
                Description = "The same as Last-Event-ID, for clients that cannot set headers.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64" },
            });
        }

        operation.Responses!["200"] = new OpenApiResponse
        {
            Description = "Server-Sent Events. Every frame has id: = the event's sequence number, event: one of run-started, wave-started, " +
                "target-started, target-retrying, target-finished, progress (after each target-finished, same id), wave-finished, " +
                "target-rolled-back, batch-finished (the stream ends) or stream-closed (the token was revoked or expired; the stream ends); " +
                "data: a JSON object. ': keep-alive' comments every 15 s.",
            Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
            {
                ["text/event-stream"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
            },
        };
    }

    private static OpenApiSchema Problem()
    {
        static OpenApiSchema Text(string? format = null) => new() { Type = JsonSchemaType.String, Format = format };
        static OpenApiSchema Integer(string format = "int32") => new() { Type = JsonSchemaType.Integer, Format = format };
        static OpenApiSchema Strings() => new() { Type = JsonSchemaType.Array, Items = Text() };
        return new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "An RFC 7807 problem (application/problem+json) with Fanout's extensions.",
            Required = new HashSet<string>(StringComparer.Ordinal) { "title", "status" },
            Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
            {
                ["type"] = Text("uri"),
                ["title"] = Text(),
                ["status"] = Integer(),
                ["detail"] = Text(),
                ["instance"] = Text(),
                ["traceId"] = Text(),
                ["errors"] = new OpenApiSchema { Type = JsonSchemaType.Object, Description = "400: each wrong field (a JSON path) or query parameter and its messages.", AdditionalProperties = Strings() },
                ["queue"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Description = "429 (queue full): the execution queue.",
                    Required = new HashSet<string>(StringComparer.Ordinal) { "queued", "capacity", "running" },
                    Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal) { ["queued"] = Integer(), ["capacity"] = Integer(), ["running"] = Integer() },
                },
                ["unknownNodeIds"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = Text(), Description = "400: the first 100 unknown node ids." },
                ["unknownNodeIdCount"] = Integer(),
                ["unknownGroupIds"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = Text(), Description = "400: the first 100 unknown group ids." },
                ["unknownGroupIdCount"] = Integer(),
                ["diagnostics"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Array,
                    Description = "400 (invalid workflow): every diagnostic with its position.",
                    Items = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object,
                        Required = new HashSet<string>(StringComparer.Ordinal) { "severity", "line", "column", "message", "text" },
                        Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
                        {
                            ["severity"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("error")!, JsonValue.Create("warning")!] },
                            ["line"] = Integer(),
                            ["column"] = Integer(),
                            ["message"] = Text(),
                            ["text"] = Text(),
                        },
                    },
                },
                ["problems"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = Text(), Description = "400: failed workflow validation rules or prerequisites." },
                ["limit"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64", Description = "413: the body limit in bytes." },
            },
        };
    }
}
