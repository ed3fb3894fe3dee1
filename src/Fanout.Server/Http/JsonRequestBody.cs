using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Fanout.Server.Http;

/// <summary>
/// Declares an endpoint's JSON body for the OpenAPI document without routing's content-type constraint: routing would answer
/// 415 before authentication, while <see cref="JsonBody"/> checks the media type after the caller is authenticated and
/// authorised (docs/api.md, "Errors").
/// </summary>
internal static class JsonRequestBody
{
    /// <summary>The body type of an endpoint and whether it may be left out.</summary>
    public sealed record Metadata(Type Type, bool Optional);

    /// <summary>Declares that the endpoint reads a JSON body of type <typeparamref name="T"/>.</summary>
    public static RouteHandlerBuilder AcceptsJson<T>(this RouteHandlerBuilder builder, bool optional = false) =>
        builder.WithMetadata(new Metadata(typeof(T), optional));

    /// <summary>OpenAPI operation transformer: writes the declared body as an <c>application/json</c> request body.</summary>
    public static async Task DescribeAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<Metadata>().FirstOrDefault() is not { } body)
        {
            return;
        }

        // A named component (BatchRequest, TokenRequest, …), so a generated client has a type per body.
        OpenApiSchema schema = await context.GetOrCreateSchemaAsync(body.Type, null, cancellationToken);
        IOpenApiSchema named = schema;
        if (context.Document is { } document)
        {
            document.AddComponent(body.Type.Name, schema);
            named = new OpenApiSchemaReference(body.Type.Name, document);
        }

        operation.RequestBody = new OpenApiRequestBody
        {
            Required = !body.Optional,
            Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal) { ["application/json"] = new() { Schema = named } },
        };
    }
}
