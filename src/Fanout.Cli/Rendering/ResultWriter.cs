using System.Text.Json;
using Fanout.Execution;

namespace Fanout.Cli.Rendering;

/// <summary>Writes a run's result as the X9 JSON document or CSV.</summary>
internal static class ResultWriter
{
    public static readonly string[] CsvColumns = ["target", "state", "exitCode", "attempts", "wave", "startedAt", "durationMs", "stdout", "stderr", "error", "stdoutTruncated", "stdoutBytes", "stderrTruncated", "stderrBytes"];

    /// <summary>Writes the X9 document, streamed target by target (memory does not grow with the number of targets' outputs).</summary>
    public static async Task WriteJsonAsync(TextWriter writer, BatchResult result, CancellationToken cancellationToken = default)
    {
        var stream = new TextWriterStream(writer);
        await using (stream.ConfigureAwait(false))
        {
            await JsonSerializer.SerializeAsync(stream, RunDocument.From(result), CliJsonContext.Default.RunDocument, cancellationToken).ConfigureAwait(false);
        }

        await writer.WriteAsync('\n').ConfigureAwait(false);
    }

    public static void WriteCsv(TextWriter writer, BatchResult result)
    {
        Csv.WriteRow(writer, CsvColumns);
        foreach (TargetOutcome o in result.Outcomes)
        {
            TargetDocument d = TargetDocument.From(o);
            Csv.WriteRow(writer, d.Target, d.State, Csv.Format(d.ExitCode), Csv.Format((int?)d.Attempts), Csv.Format((int?)d.Wave),
                Csv.Format(d.StartedAt), Csv.Format(d.DurationMs), d.Stdout, d.Stderr, d.Error,
                Csv.Format(d.StdoutTruncated), Csv.Format(d.StdoutBytes), Csv.Format(d.StderrTruncated), Csv.Format(d.StderrBytes));
        }
    }
}
