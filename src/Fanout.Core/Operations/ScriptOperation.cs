using Fanout.Inventory;
using Fanout.Transports;

namespace Fanout.Operations;

/// <summary>
/// Uploads a local script to a temporary path on each target, makes it executable, runs it with
/// arguments and removes it (SPEC X1 <c>script</c>). A script with a <c>#!</c> line is run by the
/// interpreter that line names (with its one optional argument, as the kernel would); one without
/// is run by <c>sh</c>. Success and errors are as for <see cref="CommandOperation"/>.
/// </summary>
public sealed class ScriptOperation : IOperation
{
    private readonly ReadOnlyMemory<byte> _content;
    private readonly IReadOnlyList<string> _interpreter;

    /// <summary>Creates the operation from script text already in memory.</summary>
    /// <param name="scriptName">The script's file name, used in the temporary path and in <see cref="Name"/>.</param>
    /// <param name="content">The script's bytes.</param>
    /// <param name="arguments">Arguments passed to the script.</param>
    public ScriptOperation(string scriptName, ReadOnlyMemory<byte> content, IReadOnlyList<string>? arguments = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(scriptName);
        ScriptName = Path.GetFileName(scriptName);
        _content = content;
        _interpreter = InterpreterOf(content.Span);
        Arguments = arguments ?? [];
        Name = "script " + ScriptName;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>The script's file name.</summary>
    public string ScriptName { get; }

    /// <summary>The script's bytes (recorded with a run so resume and retry run the same script).</summary>
    public ReadOnlyMemory<byte> Content => _content;

    /// <summary>The arguments passed to the script.</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>Bytes written to the script's standard input on every target (<c>--stdin</c>), or <see langword="null"/> for none.</summary>
    public ReadOnlyMemory<byte>? StandardInput { get; init; }

    /// <summary>How long removing the script may take after the run ended or was cancelled. The default value is 10 s.</summary>
    public TimeSpan CleanupTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Reads <paramref name="path"/> and creates the operation.</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static async Task<ScriptOperation> FromFileAsync(string path, IReadOnlyList<string>? arguments, CancellationToken cancellationToken)
    {
        byte[] content = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        return new ScriptOperation(path, content, arguments);
    }

    /// <inheritdoc />
    public async Task<OperationResult> ExecuteAsync(Target target, OperationContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(context);
        ISession session = await context.GetSessionAsync(cancellationToken).ConfigureAwait(false);
        string remotePath = $"/tmp/fanout-{Sanitize(context.RunId)}-{Guid.NewGuid():N}-{Sanitize(ScriptName)}";
        try
        {
            using (var content = new MemoryStream(_content.ToArray(), writable: false))
            {
                await session.UploadAsync(content, remotePath, 0x1C0 /* 0700 */, cancellationToken).ConfigureAwait(false);
            }

            // The interpreter is started with the script as its argument rather than exec'ing the
            // freshly written file: exec of a file another process may still hold open for writing
            // (a fork of this process inherits the descriptor until its own exec) fails with
            // ETXTBSY "Text file busy" at random under load. A small sh around it removes the file
            // when the script ends, so a script that outlives a killed fanout (kill -9: nothing
            // below runs) does not leave it behind; the exit status is the script's.
            var argv = new List<string>(Arguments.Count + _interpreter.Count + 5);
            argv.AddRange(["sh", "-c", SelfRemoving, "fanout-script", remotePath]);
            argv.AddRange(_interpreter);
            argv.Add(remotePath);
            argv.AddRange(Arguments);
            return await CommandOperation.RunAsync(session, new CommandSpec { Argv = argv, StandardInput = StandardInput }, context, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await RemoveAsync(session, remotePath, context.TimeProvider).ConfigureAwait(false);
        }
    }

    /// <summary>Runs its arguments after the first (the interpreter, the script, its arguments) and removes the first (the script) when they end.</summary>
    private const string SelfRemoving = "f=$1; shift; trap 'rm -f -- \"$f\"' EXIT; \"$@\"";

    /// <summary>The interpreter argv from a <c>#!</c> line (path plus at most one argument, like Linux), else <c>sh</c>.</summary>
    internal static IReadOnlyList<string> InterpreterOf(ReadOnlySpan<byte> content)
    {
        if (content.Length < 2 || content[0] != (byte)'#' || content[1] != (byte)'!')
        {
            return ["sh"];
        }

        int end = content.IndexOf((byte)'\n');
        string line = System.Text.Encoding.UTF8.GetString(end < 0 ? content[2..] : content[2..end]).Trim();
        if (line.Length == 0)
        {
            return ["sh"];
        }

        int space = line.IndexOfAny([' ', '\t']);
        return space < 0 ? [line] : [line[..space], line[(space + 1)..].Trim()];
    }

    private async Task RemoveAsync(ISession session, string remotePath, TimeProvider time)
    {
        // Runs after cancellation too, with its own short limit: a cancelled run must not leave scripts behind.
        using var limit = new CancellationTokenSource(CleanupTimeout, time);
        using var stdout = new Output.OutputCapture(4096);
        using var stderr = new Output.OutputCapture(4096);
        try
        {
            await session.RunAsync(CommandSpec.Exec("rm", "-f", remotePath), stdout, stderr, limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested)
        {
            // Best effort: the file lives in /tmp.
        }
        catch (TransportException)
        {
            // Best effort: the session is gone.
        }
    }

    private static string Sanitize(string text)
    {
        char[] chars = text.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            if (!(char.IsAsciiLetterOrDigit(chars[i]) || chars[i] is '-' or '_' or '.'))
            {
                chars[i] = '_';
            }
        }

        return new string(chars);
    }
}
