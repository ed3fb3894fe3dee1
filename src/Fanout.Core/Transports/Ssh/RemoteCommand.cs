using System.Text;
using System.Text.RegularExpressions;

namespace Fanout.Transports.Ssh;

/// <summary>
/// Builds the command line sent in the SSH exec request. The remote login shell first prints its
/// pid (sshd makes it a session and process-group leader) and then <c>exec</c>s the real command,
/// so the pid names the process group to kill on timeout or cancel.
/// A command that gets input first reads exactly one sentinel byte (see <see cref="InputSentinel"/>).
/// </summary>
internal static partial class RemoteCommand
{
    /// <summary>
    /// The byte sent before any input and swallowed remotely by <c>dd bs=1 count=1</c> (which reads
    /// exactly one byte, unlike <c>head -c1</c>). SSH.NET's channel input stream sends the channel
    /// EOF on dispose only when at least one byte was written; without the sentinel an empty input
    /// (an unchanged tree's tar stream, an empty upload or stdin) left the remote command waiting
    /// for input forever.
    /// </summary>
    public static ReadOnlySpan<byte> InputSentinel => "\n"u8;

    public static string Wrap(CommandSpec spec, bool withInput = false)
    {
        bool input = spec.StandardInput is not null || withInput;
        var sb = new StringBuilder("echo $$; ");
        if (input)
        {
            sb.Append("dd bs=1 count=1 of=/dev/null 2>/dev/null; ");
        }

        foreach ((string key, string value) in spec.Environment)
        {
            if (!EnvName().IsMatch(key))
            {
                throw new ArgumentException($"Environment variable name '{key}' is not valid.", nameof(spec));
            }

            sb.Append("export ").Append(key).Append('=').Append(ShellQuote.Quote(value)).Append("; ");
        }

        if (spec.WorkingDirectory is not null)
        {
            sb.Append("cd ").Append(ShellQuote.Quote(spec.WorkingDirectory)).Append(" || exit 126; ");
        }

        sb.Append("exec ");
        if (spec.Argv is { Count: > 0 } argv)
        {
            sb.Append(ShellQuote.Join(argv));
        }
        else if (spec.ShellCommand is not null)
        {
            sb.Append(ShellQuote.Quote(spec.Shell)).Append(" -c ").Append(ShellQuote.Quote(spec.ShellCommand));
        }
        else
        {
            throw new ArgumentException("The command has neither Argv nor ShellCommand.", nameof(spec));
        }

        if (!input)
        {
            // No input: stdin is /dev/null, so a command reading it ends instead of waiting for an EOF.
            sb.Append(" </dev/null");
        }

        return sb.ToString();
    }

    /// <summary>Stops the process group: TERM, then KILL after the grace period if anything is left.</summary>
    public static string KillGroup(int pid, TimeSpan grace)
    {
        int tenths = Math.Max(0, (int)Math.Ceiling(grace.TotalMilliseconds / 100));
        return $"kill -TERM -{pid} 2>/dev/null || exit 0; i=0; while [ $i -lt {tenths} ] && kill -0 -{pid} 2>/dev/null; do sleep 0.1; i=$((i+1)); done; kill -KILL -{pid} 2>/dev/null; exit 0";
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvName();
}
