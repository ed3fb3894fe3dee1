using System.Text.Json.Serialization;

namespace Fanout.Cli.Rendering;

/// <summary>Source-generated JSON for the public documents (no reflection at run time).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(TargetsDocument))]
[JsonSerializable(typeof(List<Commands.InstanceRow>))]
internal sealed partial class CliJsonContext : JsonSerializerContext
{
}
