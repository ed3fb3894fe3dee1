using System.Text.Json.Serialization;

namespace Fanout.Documents;

/// <summary>Source-generated JSON for the public documents: camelCase, indented, nulls written (no reflection at run time).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ResultDocument))]
[JsonSerializable(typeof(HistoryDocument))]
[JsonSerializable(typeof(BatchStatusDocument))]
[JsonSerializable(typeof(DateTimeOffset))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(double))]
internal sealed partial class DocumentJsonContext : JsonSerializerContext
{
}
