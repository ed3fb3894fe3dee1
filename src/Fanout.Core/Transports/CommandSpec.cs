namespace Fanout.Transports;

/// <summary>
/// What to run on a target: either an argument vector started directly, or a command line
/// handed to a shell (<c>sh -c</c> by default).
/// </summary>
public sealed record CommandSpec
{
    /// <summary>The argument vector when run directly; <see langword="null"/> when <see cref="ShellCommand"/> is set.</summary>
    public IReadOnlyList<string>? Argv { get; init; }

    /// <summary>The command line for the shell; <see langword="null"/> when <see cref="Argv"/> is set.</summary>
    public string? ShellCommand { get; init; }

    /// <summary>The shell that runs <see cref="ShellCommand"/>. The default value is <c>sh</c>.</summary>
    public string Shell { get; init; } = "sh";

    /// <summary>Extra environment variables for the process.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>The working directory, or <see langword="null"/> for the transport's default.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Bytes written to the process's standard input (then closed); <see langword="null"/> for none.</summary>
    public ReadOnlyMemory<byte>? StandardInput { get; init; }

    /// <summary>Creates a command run through <paramref name="shell"/>.</summary>
    public static CommandSpec Sh(string commandLine, string shell = "sh") => new() { ShellCommand = commandLine, Shell = shell };

    /// <summary>Creates a command started directly from an argument vector.</summary>
    public static CommandSpec Exec(params string[] argv) => new() { Argv = argv };

    /// <summary>A one-line description for messages and logs.</summary>
    public string Display => ShellCommand ?? string.Join(' ', Argv ?? []);
}
