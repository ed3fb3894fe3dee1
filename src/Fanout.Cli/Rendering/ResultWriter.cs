using Fanout.Documents;
using Fanout.Execution;

namespace Fanout.Cli.Rendering;

/// <summary>Writes a run's result as the X9 JSON document or CSV — the Core document, written as every surface writes it.</summary>
internal static class ResultWriter
{
    public static void WriteJson(TextWriter writer, BatchResult result) => writer.Write(DocumentWriter.ToJson(ResultDocuments.From(result)));

    public static void WriteCsv(TextWriter writer, BatchResult result) => writer.Write(DocumentWriter.ToCsv(ResultDocuments.From(result)));
}
