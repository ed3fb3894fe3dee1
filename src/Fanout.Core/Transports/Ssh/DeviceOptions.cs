using System.Text.RegularExpressions;

namespace Fanout.Transports.Ssh;

/// <summary>Settings of network-device mode: an interactive CLI driven over an SSH shell (spec S4).</summary>
public sealed class DeviceOptions
{
    /// <summary>Regex matching the device prompt at the end of the output.</summary>
    /// <value>The default is <c>[\w.\-@()/:]+[&gt;#]\s*$</c>.</value>
    public string PromptPattern { get; set; } = @"[\w.\-@()/:]+[>#]\s*$";

    /// <summary>Regex matching a pager prompt; a space is sent to continue.</summary>
    /// <value>The default matches <c>--More--</c> and <c>-- More --</c>.</value>
    public string MorePattern { get; set; } = @"-{1,2}\s?More\s?-{1,2}";

    /// <summary>Regex matching an error line in a command's output; such a command counts as failed.</summary>
    /// <value>The default matches Cisco-style <c>% Invalid input</c>, <c>% Unknown command</c>, <c>% Incomplete command</c>, <c>% Ambiguous command</c>.</value>
    public string ErrorPattern { get; set; } = @"^\s*% ?(Invalid|Unknown|Incomplete|Ambiguous|Error)";

    /// <summary>Command sent once after login to disable paging; empty for none.</summary>
    /// <value>The default is <c>terminal length 0</c>.</value>
    public string DisablePagingCommand { get; set; } = "terminal length 0";

    /// <summary>Longest time to wait for the prompt after a command.</summary>
    /// <value>The default is 30 seconds.</value>
    public TimeSpan PromptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Bound of every regex evaluation.</summary>
    /// <value>The default is 1 second.</value>
    public TimeSpan RegexTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Returns every problem with these settings (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        foreach ((string name, string pattern) in new[] { ("PromptPattern", PromptPattern), ("MorePattern", MorePattern), ("ErrorPattern", ErrorPattern) })
        {
            try
            {
                _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException ex)
            {
                errors.Add($"{name} '{pattern}' is not a valid regex: {ex.Message}");
            }
        }

        if (PromptTimeout <= TimeSpan.Zero)
        {
            errors.Add("PromptTimeout must be positive.");
        }

        if (RegexTimeout <= TimeSpan.Zero)
        {
            errors.Add("RegexTimeout must be positive.");
        }

        return errors;
    }
}
