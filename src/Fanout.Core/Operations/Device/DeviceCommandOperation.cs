using Fanout.Inventory;
using Fanout.Output;
using Fanout.Transports;
using Fanout.Transports.Ssh;

namespace Fanout.Operations;

/// <summary>
/// Runs several commands in order on each target, each with its own result (spec S4; the API's <c>commands</c> action, run
/// kind <c>device</c>). A network device gets them over one interactive session (a command whose output matches the device
/// error pattern fails with exit code 1); any other target runs them one after another as shell commands on its session.
/// The first command that fails ends the attempt (later commands are not sent) and fails it with that command's exit code.
/// Result: stdout and stderr made of one section per command that ran (<see cref="CommandSections"/>: a
/// <c># [i/n] command (exit E, C chars)</c> header and the command's output), which documents turn back into per-command results.
/// </summary>
public sealed class DeviceCommandOperation : IOperation
{
    private readonly IReadOnlyList<string> _commands;

    /// <summary>Creates the operation.</summary>
    /// <exception cref="ArgumentException">No commands were given.</exception>
    public DeviceCommandOperation(IReadOnlyList<string> commands)
    {
        ArgumentNullException.ThrowIfNull(commands);
        if (commands.Count == 0)
        {
            throw new ArgumentException("At least one device command is required.", nameof(commands));
        }

        _commands = commands;
    }

    /// <summary>The commands, in order.</summary>
    public IReadOnlyList<string> Commands => _commands;

    /// <inheritdoc/>
    /// <value>Always <c>device</c>.</value>
    public string Name => "device";

    /// <inheritdoc/>
    /// <remarks>Every target can run a list of commands: devices over their interactive CLI, others through their shell.</remarks>
    public string? Validate(Target target) => null;

    /// <inheritdoc/>
    public async Task<OperationResult> ExecuteAsync(Target target, OperationContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ISession session = await context.GetSessionAsync(cancellationToken).ConfigureAwait(false);
        using OutputCapture stdout = context.CreateOutputCapture("stdout");
        using OutputCapture stderr = context.CreateOutputCapture("stderr");
        bool failed = false;
        int? exitCode = 0;
        string? error = null;
        if (session is DeviceSession device)
        {
            IReadOnlyList<DeviceCommandOutput> outputs = await device.RunCommandsAsync(_commands, cancellationToken).ConfigureAwait(false);
            for (int i = 0; i < outputs.Count; i++)
            {
                DeviceCommandOutput o = outputs[i];
                stdout.Write(CommandSections.Format(i + 1, _commands.Count, o.Command, o.Failed ? 1 : 0, o.Output));
                if (o.Failed)
                {
                    (failed, exitCode) = (true, 1);
                    error = $"device rejected '{o.Command}': {o.Output.Trim().Split('\n')[0]}";
                }
            }
        }
        else
        {
            // Each command's output is captured on its own (so its section can say how long it is), then appended to the
            // attempt's streams: a running target's live output grows one finished command at a time.
            for (int i = 0; i < _commands.Count && !failed; i++)
            {
                using var commandOut = new OutputCapture();
                using var commandErr = new OutputCapture();
                CommandResult result = await session.RunAsync(CommandSpec.Sh(_commands[i]), commandOut, commandErr, cancellationToken).ConfigureAwait(false);
                string outText = commandOut.Complete().Text;
                string errText = commandErr.Complete().Text;
                int? exit = result.ExitCode;
                stdout.Write(CommandSections.Format(i + 1, _commands.Count, _commands[i], exit, outText));
                if (errText.Length > 0)
                {
                    stderr.Write(CommandSections.Format(i + 1, _commands.Count, _commands[i], exit, errText));
                }

                if (!result.Succeeded)
                {
                    (failed, exitCode) = (true, exit);
                    error = $"command {i + 1} of {_commands.Count} '{_commands[i]}' failed: {CommandOperation.Describe(result, errText)}";
                }
            }
        }

        return new OperationResult
        {
            Success = !failed,
            ExitCode = exitCode,
            Stdout = stdout.Complete(),
            Stderr = stderr.Complete(),
            Error = error,
        };
    }
}
