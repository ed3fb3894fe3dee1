using Fanout.Execution;
using Fanout.Output;

namespace Fanout.Cli.Rendering;

/// <summary>
/// Writes each target's complete output to <c>DIR/&lt;target&gt;.stdout</c> and <c>.stderr</c> (like pssh <c>-o</c>/<c>-e</c>):
/// the exact bytes (from the spill file when the output was longer than the in-memory window), under
/// a reversibly escaped name (<see cref="OutputFileName"/>).
/// </summary>
internal static class OutputDirectory
{
    public static async Task WriteAsync(string directory, TargetOutcome outcome)
    {
        string name = FileName(outcome.Target);
        await WriteAsync(Path.Combine(directory, name + ".stdout"), outcome.Stdout).ConfigureAwait(false);
        await WriteAsync(Path.Combine(directory, name + ".stderr"), outcome.Stderr).ConfigureAwait(false);
    }

    /// <summary>The target name made safe as a file name (<see cref="OutputFileName.Escape"/>): <c>a/b</c> → <c>a%2Fb</c>.</summary>
    public static string FileName(string target) => OutputFileName.Escape(target);

    private static async Task WriteAsync(string path, CapturedOutput output)
    {
        var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 64 * 1024, FileOptions.Asynchronous);
        await using (file.ConfigureAwait(false))
        {
            await output.CopyToAsync(file).ConfigureAwait(false);
        }
    }
}
