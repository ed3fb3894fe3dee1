using Fanout.Inventory;
using Fanout.Output;
using Fanout.Transports;

namespace Fanout.Operations;

/// <summary>
/// Runs one command on each target through its session (SPEC X1 <c>exec</c>). Exit code 0 is
/// success; anything else is a failed result whose error is <c>exit code N</c> followed by the
/// last meaningful line of standard error (the last one with a letter or digit: where tools put
/// the actual error, after usage text or progress), or <c>killed by signal NAME</c>.
/// </summary>
public sealed class CommandOperation : IOperation
{
    /// <summary>Creates the operation.</summary>
    /// <param name="command">What to run.</param>
    /// <param name="name">The name shown in progress and results. The default value is <c>exec</c>.</param>
    public CommandOperation(CommandSpec command, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        Command = command;
        Name = name ?? "exec";
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>The command run on every target.</summary>
    public CommandSpec Command { get; }

    /// <inheritdoc />
    public async Task<OperationResult> ExecuteAsync(Target target, OperationContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(context);
        ISession session = await context.GetSessionAsync(cancellationToken).ConfigureAwait(false);
        return await RunAsync(session, Command, context, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="command"/> on <paramref name="session"/> and turns its end into an <see cref="OperationResult"/>.</summary>
    internal static async Task<OperationResult> RunAsync(ISession session, CommandSpec command, OperationContext context, CancellationToken cancellationToken)
    {
        using OutputCapture stdout = context.CreateOutputCapture("stdout");
        using OutputCapture stderr = context.CreateOutputCapture("stderr");
        CommandResult result = await session.RunAsync(command, stdout, stderr, cancellationToken).ConfigureAwait(false);
        CapturedOutput outText = stdout.Complete();
        CapturedOutput errText = stderr.Complete();
        return new OperationResult
        {
            Success = result.Succeeded,
            ExitCode = result.ExitCode,
            Stdout = outText,
            Stderr = errText,
            Error = result.Succeeded ? null : Describe(result, errText.Text),
        };
    }

    /// <summary>A one-line description of a failed command: <c>exit code 3: last meaningful line of stderr</c>.</summary>
    internal static string Describe(CommandResult result, string stderr)
    {
        string head = result.Signal is { } signal ? $"killed by signal {signal}" : $"exit code {result.ExitCode}";
        string? line = LastMeaningfulLine(stderr);
        return line is null ? head : $"{head}: {line}";
    }

    /// <summary>The last line holding a letter or digit (blank lines and lines of punctuation only are skipped), cut at 200 characters.</summary>
    internal static string? LastMeaningfulLine(string text)
    {
        string[] lines = text.Split('\n');
        for (int i = lines.Length - 1; i >= 0; i--)
        {
            string trimmed = lines[i].Trim();
            if (trimmed.Any(char.IsLetterOrDigit))
            {
                return trimmed.Length > 200 ? trimmed[..200] + "…" : trimmed;
            }
        }

        return null;
    }
}
