using System.Diagnostics;
using System.Globalization;
using Fanout.Configuration;

namespace Fanout.Workflows.Notifications;

public sealed partial class ChannelNotifier
{
    private const int StderrTail = 500;

    /// <summary>Runs the channel's command with <c>sh -c</c>, the JSON on stdin and <c>FANOUT_*</c> variables; kills its process tree on timeout.</summary>
    private static async Task<string?> RunCommandAsync(NotificationChannel channel, WorkflowNotification notification, string body, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(channel.Command!);
        info.Environment["FANOUT_EVENT"] = notification.Event;
        info.Environment["FANOUT_WORKFLOW"] = notification.Workflow;
        info.Environment["FANOUT_RUN_ID"] = notification.RunId;
        info.Environment["FANOUT_STEP"] = notification.Step ?? string.Empty;
        info.Environment["FANOUT_MESSAGE"] = notification.Message;
        info.Environment["FANOUT_TIMESTAMP"] = notification.Timestamp.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        info.Environment["FANOUT_CHANNEL"] = channel.Name;

        using var process = Process.Start(info) ?? throw new InvalidOperationException("sh did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            try
            {
                await process.StandardInput.WriteAsync(body.AsMemory(), cancellationToken).ConfigureAwait(false);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The command need not read its input (a closed pipe is fine); its exit code decides.
            }

            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        await stdout.ConfigureAwait(false);
        var errorText = (await stderr.ConfigureAwait(false)).Trim();
        if (process.ExitCode == 0)
        {
            return null;
        }

        var tail = errorText.Length > StderrTail ? "…" + errorText[^StderrTail..] : errorText;
        var message = string.Create(CultureInfo.InvariantCulture, $"command exited with code {process.ExitCode}");
        return tail.Length > 0 ? message + ": " + tail : message;
    }
}
