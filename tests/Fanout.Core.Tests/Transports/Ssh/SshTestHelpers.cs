using System.Text;
using Fanout.Inventory;
using Fanout.Output;
using Fanout.Transports;
using Fanout.Transports.Ssh;

namespace Fanout.Core.Tests.Transports.Ssh;

internal static class SshTestHelpers
{
    public static SshTransportOptions Options(SshdFixture f, Action<SshTransportOptions>? configure = null)
    {
        var o = new SshTransportOptions
        {
            ConfigFile = f.SshConfig,
            KnownHostsFiles = [f.KnownHosts],
            UseAgent = false,
            KexAlgorithms = ["curve25519-sha256"],
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
        configure?.Invoke(o);
        return o;
    }

    public static Target Direct(SshdFixture f, string key = "id_ed25519", int? port = null) => new()
    {
        Name = "direct",
        Host = "127.0.0.1",
        Port = port ?? f.Port,
        User = "root",
        Transport = TransportNames.Ssh,
        Vars = new Dictionary<string, object?> { ["ansible_ssh_private_key_file"] = f.Key(key) },
    };

    public static async Task<(CommandResult Result, string Stdout, string Stderr)> RunAsync(ISession session, string command, CancellationToken ct = default, byte[]? stdin = null)
    {
        using var stdout = new OutputCapture();
        using var stderr = new OutputCapture();
        var spec = CommandSpec.Sh(command) with { StandardInput = stdin };
        CommandResult result = await session.RunAsync(spec, stdout, stderr, ct);
        return (result, stdout.Complete().Text, stderr.Complete().Text);
    }

    public static string Utf8(byte[] b) => Encoding.UTF8.GetString(b);
}
