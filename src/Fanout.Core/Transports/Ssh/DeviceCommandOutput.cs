namespace Fanout.Transports.Ssh;

/// <summary>Output of one command sent to a network device.</summary>
/// <param name="Command">The command as sent.</param>
/// <param name="Output">What the device printed before its next prompt (echo, pager prompts and the prompt removed).</param>
/// <param name="Failed">Whether the output matched <see cref="DeviceOptions.ErrorPattern"/>.</param>
public sealed record DeviceCommandOutput(string Command, string Output, bool Failed);
