using System.Text.Json;
using Fanout.Security;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace Fanout.Server.Tests;

/// <summary>
/// Issue 12 item 18: the OpenAPI document is complete enough to generate a typed client — read and validated by a real OpenAPI
/// implementation (Microsoft.OpenApi's reader and its default validation rules), then checked for what a generator needs.
/// </summary>
public sealed class OpenApiValidationTests
{
    [Fact(Timeout = 60000)]
    public async Task OpenApiDocument_IsValid_AndCompleteForAClientGenerator()
    {
        await using ServerHost host = await ServerHost.StartAsync(bigTargets: 1);
        using HttpClient client = host.Client(ApiRole.Viewer);
        string json = await client.GetStringAsync("/openapi/v1.json");

        ReadResult read = OpenApiDocument.Parse(json, "json");
        Assert.Empty(read.Diagnostic?.Errors ?? []);
        OpenApiDocument document = read.Document!;
        IEnumerable<OpenApiError> errors = document.Validate(ValidationRuleSet.GetDefaultRuleSet()) ?? [];
        Assert.Empty(errors.Select(e => $"{e.Pointer}: {e.Message}"));

        using var raw = JsonDocument.Parse(json);
        JsonElement root = raw.RootElement;
        JsonElement scheme = root.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer");
        Assert.Equal("http", scheme.GetProperty("type").GetString());
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());

        var failures = new List<string>();
        foreach (JsonProperty path in root.GetProperty("paths").EnumerateObject())
        {
            foreach (JsonProperty op in path.Value.EnumerateObject())
            {
                string name = $"{op.Name.ToUpperInvariant()} {path.Name}";
                bool open = path.Name == "/healthz";
                bool secured = op.Value.TryGetProperty("security", out JsonElement security) && security.GetArrayLength() == 1 && security[0].TryGetProperty("bearer", out _);
                if (secured == open)
                {
                    failures.Add($"{name}: security {(open ? "on the open endpoint" : "missing")}");
                }

                JsonElement responses = op.Value.GetProperty("responses");
                foreach (string code in open ? new[] { "413" } : new[] { "401", "403", "413", "429" })
                {
                    if (!responses.TryGetProperty(code, out JsonElement response)
                        || response.GetProperty("content").GetProperty("application/problem+json").GetProperty("schema").GetProperty("$ref").GetString() != "#/components/schemas/Problem")
                    {
                        failures.Add($"{name}: no {code} problem answer");
                    }
                }
            }
        }

        Assert.Empty(failures);
        JsonElement problem = root.GetProperty("components").GetProperty("schemas").GetProperty("Problem").GetProperty("properties");
        foreach (string extension in new[] { "errors", "queue", "unknownNodeIds", "diagnostics" })
        {
            Assert.True(problem.TryGetProperty(extension, out _), extension);
        }

        JsonElement create = root.GetProperty("paths").GetProperty("/api/executions/batch").GetProperty("post");
        Assert.True(create.GetProperty("requestBody").GetProperty("required").GetBoolean());
        Assert.True(create.GetProperty("responses").TryGetProperty("415", out _));
        Assert.True(create.GetProperty("responses").TryGetProperty("400", out _));
        JsonElement events = root.GetProperty("paths").GetProperty("/api/executions/batch/{id}/events").GetProperty("get");
        Assert.True(events.GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("text/event-stream", out _));
        Assert.Contains(events.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "Last-Event-ID" && p.GetProperty("in").GetString() == "header");
        Assert.Contains("stream-closed", events.GetProperty("responses").GetProperty("200").GetProperty("description").GetString(), StringComparison.Ordinal);

        // Enums, required flags and integer types, read from the schemas themselves.
        string schemas = root.GetProperty("components").GetProperty("schemas").GetRawText();
        Assert.Equal("#/components/schemas/BatchRequest", create.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        Assert.Contains("\"fail-fast\"", schemas, StringComparison.Ordinal);
        Assert.Contains("\"timed-out\"", schemas, StringComparison.Ordinal);
        Assert.Contains("\"operator\"", schemas, StringComparison.Ordinal);
        Assert.Contains("\"mermaid\"", schemas, StringComparison.Ordinal);
        Assert.DoesNotContain("(?:0|[1-9]", schemas, StringComparison.Ordinal); // numbers are numbers, not strings with a pattern
        JsonElement created = root.GetProperty("components").GetProperty("schemas").GetProperty("BatchCreated");
        Assert.Equal(["batchId", "executionIds"], created.GetProperty("required").EnumerateArray().Select(e => e.GetString()).Order());
    }
}
