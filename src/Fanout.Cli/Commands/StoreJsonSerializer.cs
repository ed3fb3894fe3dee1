using System.Text.Json;

namespace Fanout.Cli.Commands;

/// <summary>JSON options for small stored maps.</summary>
internal static class StoreJsonSerializer
{
    public static JsonSerializerOptions Options { get; } = new() { TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver() };
}
