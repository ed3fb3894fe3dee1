using Fanout.Transports;
using Fanout.Transports.Local;

namespace Fanout.Operations;

/// <summary>
/// Turns a command line typed by a user into a <see cref="CommandSpec"/>. The rule (docs/cli.md):
/// a command line runs through <c>sh -c</c>, except when it is plainly a program with literal
/// arguments — only the characters <c>A-Z a-z 0-9 _ . / , : @ % + = -</c> and blanks, a first word
/// that is no shell builtin or keyword, contains no <c>=</c> and names an executable on
/// <c>PATH</c> — in which case the shell would do nothing but split it on blanks and exec it, so
/// it is started directly, saving a shell per target.
/// </summary>
internal static class CommandLines
{
    private static readonly HashSet<string> ShellWords = new(StringComparer.Ordinal)
    {
        ".", ":", "alias", "bg", "break", "case", "cd", "command", "continue", "do", "done", "elif", "else", "esac",
        "eval", "exec", "exit", "export", "fc", "fg", "fi", "for", "getopts", "hash", "if", "in", "jobs", "local",
        "read", "readonly", "return", "set", "shift", "source", "then", "times", "trap", "type", "ulimit", "umask",
        "unalias", "unset", "until", "wait", "while", "function", "select", "declare", "typeset", "let", "pushd", "popd",
    };

    /// <summary>Returns the spec for <paramref name="commandLine"/> run through <paramref name="shell"/>, or directly when the rule above allows.</summary>
    public static CommandSpec Parse(string commandLine, string shell = "sh")
        => TrySplitPlain(commandLine) is { } argv ? new CommandSpec { Argv = argv } : CommandSpec.Sh(commandLine, shell);

    /// <summary>Returns the words of a plain command line (see the type's summary), or <see langword="null"/>.</summary>
    public static string[]? TrySplitPlain(string commandLine)
    {
        foreach (char c in commandLine)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '/' or ',' or ':' or '@' or '%' or '+' or '=' or '-' or ' ' or '\t'))
            {
                return null;
            }
        }

        string[] words = commandLine.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0 || words[0].Contains('=') || ShellWords.Contains(words[0]))
        {
            return null;
        }

        string? program = ExecutableLookup.Find(words[0]);
        if (program is null)
        {
            return null;
        }

        return words;
    }
}
