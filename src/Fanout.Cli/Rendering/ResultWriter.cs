using Fanout.Documents;
using Fanout.Execution;

namespace Fanout.Cli.Rendering;

/// <summary>
/// Writes a run's result as the X9 JSON document or CSV — the Core document, written as every surface writes it — one
/// target at a time, so a run of 10,000 targets never holds the whole document in memory (SPEC X12).
/// </summary>
internal static class ResultWriter
{
    /// <summary>Writes the JSON document to <paramref name="raw"/>, the stream under <paramref name="writer"/> (flushed first to keep the order).</summary>
    public static void WriteJson(TextWriter writer, Stream raw, BatchResult result)
    {
        writer.Flush();
        DocumentWriter.WriteJson(raw, ResultDocuments.From(result));
    }

    public static void WriteCsv(TextWriter writer, BatchResult result) => DocumentWriter.WriteCsv(writer, ResultDocuments.From(result));
}
