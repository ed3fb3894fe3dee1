using System.Text.Json;
using Fanout.Execution;

namespace Fanout.Cli.Rendering;

/// <summary>Writes a run's result as the X9 JSON document or CSV.</summary>
internal static class ResultWriter
{
    public static readonly string[] CsvColumns = ["target", "state", "exitCode", "attempts", "wave", "startedAt", "durationMs", "stdout", "stderr", "error"];

    public static void WriteJson(TextWriter writer, BatchResult result)
    {
        writer.Write(JsonSerializer.Serialize(RunDocument.From(result), CliJsonContext.Default.RunDocument));
        writer.Write('\n');
    }

    public static void WriteCsv(TextWriter writer, BatchResult result)
    {
        Csv.WriteRow(writer, CsvColumns);
        foreach (TargetOutcome o in result.Outcomes)
        {
            TargetDocument d = TargetDocument.From(o);
            Csv.WriteRow(writer, d.Target, d.State, Csv.Format(d.ExitCode), Csv.Format((int?)d.Attempts), Csv.Format((int?)d.Wave),
                Csv.Format(d.StartedAt), Csv.Format(d.DurationMs), d.Stdout, d.Stderr, d.Error);
        }
    }
}
