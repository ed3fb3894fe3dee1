using System.Diagnostics;
using System.Text;

namespace Fanout.Inventory;

/// <summary>Runs an inventory command (dynamic inventory script, <c>az</c>, <c>cmd:</c>) and captures its output.</summary>
internal static class ExternalCommand
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError);

    /// <summary>
    /// How Fanout starts a helper program whose output it reads (inventory commands, tmux and git for instances): argv
    /// without a shell, standard streams redirected, output decoded as UTF-8.
    /// </summary>
    public static ProcessStartInfo CaptureStartInfo(string fileName, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }

    /// <summary>Runs <paramref name="fileName"/> with <paramref name="arguments"/>; a timeout or start failure is an <see cref="InventoryException"/>.</summary>
    public static async Task<Result> RunAsync(string fileName, IReadOnlyList<string> arguments, string display, TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        ProcessStartInfo startInfo = CaptureStartInfo(fileName, arguments);
        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new InventoryException($"cannot run inventory command '{display}': {ex.Message}", display, innerException: ex);
        }

        process.StandardInput.Close();
        using var timeoutSource = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(linked.Token);
        Task<string> stderr = process.StandardError.ReadToEndAsync(linked.Token);
        try
        {
            await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
            return new Result(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            cancellationToken.ThrowIfCancellationRequested();
            throw new InventoryException($"inventory command '{display}' did not finish within {timeout.TotalSeconds:0.###} s", display);
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }
}
