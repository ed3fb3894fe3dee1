using Fanout.Cli.Interaction;
using Fanout.Cli.Rendering;
using Fanout.Events;
using Fanout.Execution;
using Spectre.Console;

namespace Fanout.Cli.Commands;

/// <summary>
/// The end every command that runs targets shares (exec, script, sync, lifecycle, instances, retry, resume): runs a
/// request with progress (live display, plain lines, <c>--stream</c>, echoed output, <c>--output-dir</c> files), writes
/// the results (table, JSON or CSV) and picks the exit code.
/// </summary>
internal sealed class ReportedRun(CliContext context, string commandName)
{
    private readonly CliContext _context = context;

    /// <summary>Runs <paramref name="request"/> with progress, writes the results and returns the exit code.</summary>
    public async Task<int> ExecuteAsync(Runs.RunService service, Runs.RunRequest request, string format, bool quiet, string? outputDir, bool stream, CancellationToken cancellationToken)
    {
        TextWriter error = _context.Console.Error;
        bool document = format is "json" or "csv";
        TextWriter progressWriter = document ? error : _context.Console.Out;
        if (outputDir is not null)
        {
            try
            {
                Directory.CreateDirectory(outputDir);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await _context.Console.Error.WriteLineAsync($"fanout {commandName}: error: cannot create --output-dir '{outputDir}': {e.Message}").ConfigureAwait(false);
                return ExitCodes.UsageError;
            }
        }

        BatchResult result = await RunWithProgressAsync(service, request, progressWriter, quiet, outputDir, stream, cancellationToken).ConfigureAwait(false);
        try
        {
            if (document)
            {
                WriteDocument(format, result);
                if (!quiet)
                {
                    await error.WriteLineAsync(SummaryRenderer.Totals(result)).ConfigureAwait(false);
                }
            }
            else
            {
                if (!quiet && result.Total > SummaryRenderer.OutputEchoLimit)
                {
                    // Smaller runs echoed each target's output as it finished (or streamed it).
                    SummaryRenderer.RenderGroups(_context.Console.Out, result);
                }

                SummaryRenderer.Render(_context.Console.CreateAnsiConsole(_context.Console.Out), _context.Console.Out, result);
            }
        }
        finally
        {
            // Written (and recorded, and in --output-dir): the spill files of long outputs are no longer needed.
            result.DeleteSpillFiles();
        }

        if (_context.WasInterrupted() || (cancellationToken.IsCancellationRequested && result.Cancelled))
        {
            return _context.InterruptExitCode();
        }

        return result.AllSucceeded && !result.RollbackPartiallyFailed ? ExitCodes.Success : ExitCodes.TargetsFailed;
    }

    private async Task<BatchResult> RunWithProgressAsync(
        Runs.RunService service,
        Runs.RunRequest request,
        TextWriter progressWriter,
        bool quiet,
        string? outputDir,
        bool stream,
        CancellationToken cancellationToken)
    {
        var tracker = new ProgressTracker(_context.Time);
        var plain = quiet ? null : new PlainProgressWriter(progressWriter);

        // --stream prints lines as they arrive, which scroll: the live display gives way to plain progress lines.
        bool live = !quiet && !stream && (ReferenceEquals(progressWriter, _context.Console.Out) ? _context.Console.IsOutputTerminal : _context.Console.IsErrorTerminal);
        IAnsiConsole console = _context.Console.CreateAnsiConsole(progressWriter);
        bool document = !ReferenceEquals(progressWriter, _context.Console.Out);
        int width = request.Targets.Count == 0 ? 0 : request.Targets.Max(t => t.Name.Length);
        var gate = new Lock();
        if (stream)
        {
            // Lines go where progress goes: stdout for the table, stderr when stdout holds a document.
            var streamed = new StreamedOutput(_context.Console.OpenRaw(progressWriter), progressWriter, gate, width);
            tracker.OnOutput(streamed.OnOutput);
        }

        // What each target printed, echoed when it finishes (runs of at most OutputEchoLimit targets, table output):
        // under the live display by the display, which draws the lines above itself.
        LiveProgressDisplay? display = live ? new LiveProgressDisplay(tracker, _context.Time, notices: _context.Notices) : null;
        Action<TargetOutcome>? echo = quiet || document || stream || request.Targets.Count > SummaryRenderer.OutputEchoLimit
            ? null
            : o => Echo(display, progressWriter, o, width);

        // Events are the spine: plain lines, echoed output and --output-dir files follow the tracker's stream;
        // the live display polls its snapshot. Neither can slow the run down.
        IAsyncEnumerable<RunEvent> events = tracker.ReadAllAsync(CancellationToken.None);
        Task consumer = ConsumeAsync(events, live ? null : plain, echo, gate, outputDir);
        Task<BatchResult> run = service.ExecuteAsync(request, tracker, cancellationToken);
        if (display is not null)
        {
            await display.RunAsync(console, run, CancellationToken.None).ConfigureAwait(false);
        }

        BatchResult result = await run.ConfigureAwait(false);
        await consumer.ConfigureAwait(false);
        display?.FlushAbove(console);
        return result;
    }

    private static void Echo(LiveProgressDisplay? display, TextWriter writer, TargetOutcome outcome, int width)
    {
        string text = SummaryRenderer.EchoText(outcome, width);
        if (text.Length > 0 && display is not null)
        {
            display.WriteAbove(text);
        }
        else if (text.Length > 0)
        {
            writer.Write(text);
        }
    }

    private static async Task ConsumeAsync(IAsyncEnumerable<RunEvent> events, PlainProgressWriter? plain, Action<TargetOutcome>? echo, Lock gate, string? outputDir)
    {
        await foreach (RunEvent e in events.ConfigureAwait(false))
        {
            lock (gate)
            {
                plain?.OnEvent(e);
                if (echo is not null && e is TargetFinished { Outcome: var outcome })
                {
                    echo(outcome);
                }
            }

            if (outputDir is not null && e is TargetFinished finished)
            {
                await OutputDirectory.WriteAsync(outputDir, finished.Outcome).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Writes <paramref name="result"/> as a JSON or CSV document to standard output.</summary>
    public void WriteDocument(string format, BatchResult result)
    {
        if (format == "json")
        {
            ResultWriter.WriteJson(_context.Console.Out, _context.Console.OpenRaw(_context.Console.Out), result);
        }
        else
        {
            ResultWriter.WriteCsv(_context.Console.Out, result);
        }

        _context.Console.Out.Flush();
    }
}
