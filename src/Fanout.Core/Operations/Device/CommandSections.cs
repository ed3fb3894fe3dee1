using System.Globalization;
using System.Text.RegularExpressions;

namespace Fanout.Operations;

/// <summary>
/// How a list of commands (<see cref="DeviceCommandOperation"/>) writes one result per command into a target's two streams,
/// and how documents read them back: each command that ran is one section of stdout (and of stderr when it wrote any),
/// headed by the line <c># [i/n] COMMAND (exit E, C chars)</c> and followed by exactly C characters of its output, then a
/// newline when they do not end with one. The count makes the framing exact whatever the output holds (even lines that
/// look like headers); the streams stay readable as they are (<c>fanout logs</c>, CSV exports).
/// </summary>
internal static partial class CommandSections
{
    /// <summary>One command's section: the header and its output.</summary>
    /// <param name="index">The command's position, from 1.</param>
    /// <param name="count">How many commands the run has.</param>
    /// <param name="command">The command (one line).</param>
    /// <param name="exitCode">Its exit code, or <see langword="null"/> when it was killed.</param>
    /// <param name="output">What it wrote to this stream.</param>
    public static string Format(int index, int count, string command, int? exitCode, string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        string exit = exitCode?.ToString(CultureInfo.InvariantCulture) ?? "none";
        string end = output.Length == 0 || output.EndsWith('\n') ? string.Empty : "\n";
        return string.Create(CultureInfo.InvariantCulture, $"# [{index}/{count}] {command} (exit {exit}, {output.Length} chars)\n{output}{end}");
    }

    /// <summary>
    /// The per-command results in <paramref name="stdout"/> and <paramref name="stderr"/>, or <see langword="null"/> when
    /// stdout is not made of sections (any other operation, or output cut short by the capture limit: then the streams are
    /// shown whole). A stderr that is not made of sections leaves every command's stderr empty.
    /// </summary>
    public static IReadOnlyList<CommandSection>? Parse(string? stdout, string? stderr)
    {
        if (string.IsNullOrEmpty(stdout) || !stdout.StartsWith("# [1/", StringComparison.Ordinal) || Read(stdout) is not { Count: > 0 } outs)
        {
            return null;
        }

        for (int i = 0; i < outs.Count; i++)
        {
            if (outs[i].Index != i + 1 || outs[i].Count != outs[0].Count)
            {
                return null;
            }
        }

        Dictionary<int, string> errs = (string.IsNullOrEmpty(stderr) ? null : Read(stderr))?.ToDictionary(s => s.Index, s => s.Output) ?? [];
        return [.. outs.Select(s => new CommandSection(s.Index, s.Count, s.Command, s.ExitCode, s.Output, errs.GetValueOrDefault(s.Index, string.Empty)))];
    }

    private static List<Raw>? Read(string text)
    {
        var sections = new List<Raw>();
        int pos = 0;
        while (pos < text.Length)
        {
            int eol = text.IndexOf('\n', pos);
            if (eol < 0)
            {
                return null;
            }

            Match m = HeaderPattern().Match(text, pos, eol - pos);
            if (!m.Success || !int.TryParse(m.Groups["chars"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out int chars)
                || !int.TryParse(m.Groups["i"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out int index)
                || !int.TryParse(m.Groups["n"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out int count)
                || chars > text.Length - eol - 1)
            {
                return null;
            }

            int? exit = m.Groups["exit"].Value == "none" ? null : int.Parse(m.Groups["exit"].ValueSpan, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            string output = text.Substring(eol + 1, chars);
            pos = eol + 1 + chars;
            if (chars > 0 && !output.EndsWith('\n'))
            {
                if (pos >= text.Length || text[pos] != '\n')
                {
                    return null;
                }

                pos++;
            }

            sections.Add(new Raw(index, count, m.Groups["command"].Value, exit, output));
        }

        return sections;
    }

    [GeneratedRegex(@"\A# \[(?<i>[0-9]{1,6})/(?<n>[0-9]{1,6})\] (?<command>[^\n]*) \(exit (?<exit>-?[0-9]{1,10}|none), (?<chars>[0-9]{1,10}) chars\)\z", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex HeaderPattern();

    private sealed record Raw(int Index, int Count, string Command, int? ExitCode, string Output);
}

/// <summary>The result of one command of a list on one target.</summary>
/// <param name="Index">Its position in the list, from 1.</param>
/// <param name="Count">How many commands the list has (commands after a failed one are not run and have no section).</param>
/// <param name="Command">The command.</param>
/// <param name="ExitCode">Its exit code (on a network device 0, or 1 when the device rejected it), or <see langword="null"/> when killed.</param>
/// <param name="Stdout">What it wrote to stdout.</param>
/// <param name="Stderr">What it wrote to stderr.</param>
internal sealed record CommandSection(int Index, int Count, string Command, int? ExitCode, string Stdout, string Stderr);
