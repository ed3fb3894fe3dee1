using Fanout.Execution;

namespace Fanout.Cli.Rendering;

/// <summary>Writes each target's complete output to <c>DIR/&lt;target&gt;.stdout</c> and <c>.stderr</c> (like pssh <c>-o</c>/<c>-e</c>).</summary>
internal static class OutputDirectory
{
    public static async Task WriteAsync(string directory, TargetOutcome outcome)
    {
        string name = FileName(outcome.Target);
        await File.WriteAllTextAsync(Path.Combine(directory, name + ".stdout"), outcome.Stdout.ReadAll()).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(directory, name + ".stderr"), outcome.Stderr.ReadAll()).ConfigureAwait(false);
    }

    /// <summary>The target name made safe as a file name: path separators and NUL become <c>_</c>.</summary>
    public static string FileName(string target)
    {
        string name = target.Replace('/', '_').Replace('\\', '_').Replace('\0', '_');
        return name is "." or ".." ? "_" + name : name;
    }
}
