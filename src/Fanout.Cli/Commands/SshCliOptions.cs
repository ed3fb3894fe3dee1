using System.CommandLine;
using Fanout.Transports.Ssh;

namespace Fanout.Cli.Commands;

/// <summary>The SSH options shared by every acting command (spec S2).</summary>
internal sealed class SshCliOptions
{
    public Option<bool> AcceptNewHostKeys { get; } = new("--accept-new-host-keys") { Arity = ArgumentArity.Zero, Description = "Accept (and record in known_hosts) host keys not seen before; changed keys are always refused" };

    public Option<string?> SshConfig { get; } = new("--ssh-config") { Description = "OpenSSH client config to read (default ~/.ssh/config)", HelpName = "FILE" };

    public Option<string[]> KnownHosts { get; } = new("--known-hosts") { Description = "known_hosts file(s); new keys go to the first (default ~/.ssh/known_hosts)", HelpName = "FILE", AllowMultipleArgumentsPerToken = false };

    public Option<string?> Kex { get; } = new("--kex") { Description = "Offer only these key exchange algorithms, in this order (default: curve25519-sha256 first, post-quantum hybrids later; e.g. mlkem768x25519-sha256 to prefer post-quantum)", HelpName = "ALG[,ALG]" };

    public Option<TimeSpan?> ConnectTimeout { get; } = new("--connect-timeout")
    {
        Description = "Time allowed to connect and authenticate (default 10s), separate from --timeout",
        HelpName = "DURATION",
        CustomParser = r => Fanout.Duration.TryParse(r.Tokens[0].Value, out TimeSpan d) ? d : Fail(r, "--connect-timeout"),
    };

    public Option<string[]> Identity { get; } = new("--identity") { Description = "Private key file to try first (repeatable)", HelpName = "FILE" };

    public Option<string?> PasswordEnv { get; } = new("--password-env") { Description = "Use password authentication with the password in this environment variable", HelpName = "VAR" };

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { AcceptNewHostKeys, SshConfig, KnownHosts, Kex, ConnectTimeout, Identity, PasswordEnv })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>Builds the transport options, or returns the problems with them.</summary>
    public (SshTransportOptions? Options, string? Error) Get(ParseResult parsed)
    {
        var options = new SshTransportOptions
        {
            AcceptNewHostKeys = parsed.GetValue(AcceptNewHostKeys),
            ConfigFile = parsed.GetValue(SshConfig),
            KnownHostsFiles = [.. parsed.GetValue(KnownHosts) ?? []],
            KexAlgorithms = [.. (parsed.GetValue(Kex) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
            IdentityFiles = [.. parsed.GetValue(Identity) ?? []],
        };
        if (parsed.GetValue(ConnectTimeout) is { } timeout)
        {
            options.ConnectTimeout = timeout;
        }

        if (parsed.GetValue(PasswordEnv) is { } variable)
        {
            options.Password = Environment.GetEnvironmentVariable(variable);
            if (options.Password is null)
            {
                return (null, $"--password-env: environment variable {variable} is not set");
            }
        }

        if (!Console.IsInputRedirected)
        {
            options.PassphrasePrompt = ReadPassphrase;
        }

        IReadOnlyList<string> errors = options.Validate();
        return errors.Count > 0 ? (null, string.Join("; ", errors)) : (options, null);
    }

    private static string? ReadPassphrase(string keyPath)
    {
        // An interactive prompt on the terminal; only offered when stdin is a terminal.
        Console.Error.Write($"Passphrase for {keyPath}: ");
        var passphrase = new System.Text.StringBuilder();
        while (true)
        {
            ConsoleKeyInfo key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.Error.WriteLine();
                return passphrase.ToString();
            }

            if (key.Key == ConsoleKey.Backspace && passphrase.Length > 0)
            {
                passphrase.Length--;
            }
            else if (!char.IsControl(key.KeyChar))
            {
                passphrase.Append(key.KeyChar);
            }
        }
    }

    private static TimeSpan? Fail(System.CommandLine.Parsing.ArgumentResult r, string name)
    {
        r.AddError($"{name}: '{r.Tokens[0].Value}' is not a duration (e.g. 5s, 1m)");
        return null;
    }
}
