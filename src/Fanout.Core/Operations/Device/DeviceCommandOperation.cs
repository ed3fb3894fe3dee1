using Fanout.Inventory;
using Fanout.Transports.Ssh;

namespace Fanout.Operations;

/// <summary>
/// Sends several commands in order over one interactive session to each network device (spec S4).
/// Result: combined stdout (each block headed <c># command</c>), exit code 1 when a command's output
/// matched the device error pattern (later commands are not sent), and <c>Data["commands"]</c>: a list of
/// <see cref="DeviceCommandOutput"/>.
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

    /// <summary>The device commands, in order.</summary>
    public IReadOnlyList<string> Commands => _commands;

    /// <inheritdoc/>
    /// <value>Always <c>device</c>.</value>
    public string Name => "device";

    /// <inheritdoc/>
    public string? Validate(Target target) =>
        target is not null && SshTransport.IsDevice(target) ? null : $"target '{target?.Name}' is not a network device (transport 'device' or var fanout_device: true)";

    /// <inheritdoc/>
    public async Task<OperationResult> ExecuteAsync(Target target, OperationContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (await context.GetSessionAsync(cancellationToken).ConfigureAwait(false) is not DeviceSession session)
        {
            return OperationResult.Failed($"target '{target?.Name}' is not connected in device mode");
        }

        IReadOnlyList<DeviceCommandOutput> outputs = await session.RunCommandsAsync(_commands, cancellationToken).ConfigureAwait(false);
        using var stdout = context.CreateOutputCapture("stdout");
        foreach (DeviceCommandOutput o in outputs)
        {
            stdout.Write($"# {o.Command}\n{o.Output}");
        }

        DeviceCommandOutput? failed = outputs.FirstOrDefault(o => o.Failed);
        return new OperationResult
        {
            Success = failed is null,
            ExitCode = failed is null ? 0 : 1,
            Stdout = stdout.Complete(),
            Error = failed is null ? null : $"device rejected '{failed.Command}': {failed.Output.Trim().Split('\n')[0]}",
            Data = new Dictionary<string, object?> { ["commands"] = outputs },
        };
    }
}
