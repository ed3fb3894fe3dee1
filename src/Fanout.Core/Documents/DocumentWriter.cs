using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Fanout.Documents;

/// <summary>
/// Writes documents the one way every surface writes them: JSON indented with <c>\n</c> line ends and a final newline;
/// CSV per RFC 4180 (fields with commas, quotes or line breaks quoted, quotes doubled, <c>\r\n</c> record ends), numbers
/// and times formatted exactly as in the JSON.
/// </summary>
internal static class DocumentWriter
{
    /// <summary>The X9 per-target CSV columns, in order.</summary>
    public static readonly IReadOnlyList<string> CsvColumns = ["target", "state", "exitCode", "attempts", "wave", "startedAt", "durationMs", "stdout", "stderr", "error"];

    private static readonly JsonSerializerOptions Options = new(DocumentJsonContext.Default.Options) { NewLine = "\n" };
    private static readonly DocumentJsonContext Context = new(Options);

    /// <summary>The X9 JSON document.</summary>
    public static string ToJson(ResultDocument document) => JsonSerializer.Serialize(document, Context.ResultDocument) + "\n";

    /// <summary>
    /// Writes the X9 JSON document to <paramref name="stream"/> — the same bytes as <see cref="ToJson(ResultDocument)"/> — one
    /// target at a time, so memory holds one target's output text at a time however many targets the run had (SPEC X12:
    /// 10,000 targets with 64 KiB windows are gigabytes as one string). Every field but <c>targets</c> comes from the
    /// serializer's own writing of the document without targets, in its order.
    /// </summary>
    public static void WriteJson(Stream stream, ResultDocument document)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(document);
        using JsonDocument shell = JsonSerializer.SerializeToDocument(document with { Targets = [] }, Context.ResultDocument);
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, NewLine = "\n", Encoder = Options.Encoder });
        writer.WriteStartObject();
        foreach (JsonProperty property in shell.RootElement.EnumerateObject())
        {
            writer.WritePropertyName(property.Name);
            if (!property.NameEquals("targets"))
            {
                // The serializer's own text (re-writing the element would escape differently, e.g. '+' in times).
                writer.WriteRawValue(property.Value.GetRawText(), skipInputValidation: true);
                continue;
            }

            writer.WriteStartArray();
            foreach (ResultTarget target in document.Targets)
            {
                JsonSerializer.Serialize(writer, target, Context.ResultTarget);
                writer.Flush();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
        writer.Flush();
        stream.Write("\n"u8);
        stream.Flush();
    }

    /// <summary>The H2 history document.</summary>
    public static string ToJson(HistoryDocument document) => JsonSerializer.Serialize(document, Context.HistoryDocument) + "\n";

    /// <summary>The A2 status document.</summary>
    public static string ToJson(BatchStatusDocument document) => JsonSerializer.Serialize(document, Context.BatchStatusDocument) + "\n";

    /// <summary>The X9 per-target rows as CSV, header first.</summary>
    public static string ToCsv(ResultDocument document)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        WriteCsv(text, document);
        return text.ToString();
    }

    /// <summary>Writes <see cref="ToCsv"/>'s text to <paramref name="writer"/> one row at a time (memory holds one target's row).</summary>
    public static void WriteCsv(TextWriter writer, ResultDocument document)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(document);
        var row = new StringBuilder();
        WriteRow(row, CsvColumns);
        foreach (ResultTarget t in document.Targets)
        {
            writer.Write(row);
            row.Clear();
            WriteRow(row, [t.Target, t.State, Number(t.ExitCode), Number(t.Attempts), Number(t.Wave), Time(t.StartedAt), Number(t.DurationMs), t.Stdout, t.Stderr, t.Error]);
        }

        writer.Write(row);
        writer.Flush();
    }

    /// <summary>
    /// One RFC 4180 record ending in <c>\r\n</c>. Safe to open in a spreadsheet (OWASP CSV injection): NUL characters are
    /// removed, and a field starting with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, a tab or a carriage return — unless it is a
    /// number — is prefixed with <c>'</c>, so <c>=HYPERLINK(…)</c> from a target's output stays text.
    /// </summary>
    public static void WriteRow(StringBuilder text, IEnumerable<string?> fields)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(fields);
        bool first = true;
        foreach (string? field in fields)
        {
            if (!first)
            {
                text.Append(',');
            }

            first = false;
            string cell = Neutralise(field ?? string.Empty);
            if (cell.AsSpan().IndexOfAny(",\"\r\n") >= 0)
            {
                text.Append('"').Append(cell.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            }
            else
            {
                text.Append(cell);
            }
        }

        text.Append("\r\n");
    }

    /// <summary>A CSV field that a spreadsheet shows as text: NULs stripped, formula starts prefixed with <c>'</c> (numbers kept).</summary>
    public static string Neutralise(string field)
    {
        ArgumentNullException.ThrowIfNull(field);
        string cell = field.Contains('\0', StringComparison.Ordinal) ? field.Replace("\0", string.Empty, StringComparison.Ordinal) : field;
        return cell.Length > 0 && cell[0] is '=' or '+' or '-' or '@' or '\t' or '\r'
            && !double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
            ? "'" + cell
            : cell;
    }

    // As System.Text.Json writes them: shortest round-trip numbers, ISO 8601 times with offset.
    private static string Number(double? value) => value?.ToString("R", CultureInfo.InvariantCulture) ?? string.Empty;

    private static string Number(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? string.Empty;

    private static string Time(DateTimeOffset? value) => value is { } v ? JsonSerializer.Serialize(v, Context.DateTimeOffset).Trim('"') : string.Empty;
}
