using System.Net.Sockets;

namespace Fanout.Core.Tests.Transports.Ssh;

/// <summary>
/// Private OpenSSH servers on 127.0.0.1 for the SSH tests: a main sshd, a second one used as a
/// ProxyJump host, a third whose ForceCommand is a stand-in router CLI, one with <c>MaxStartups 3</c> and one
/// that starts every command 2 s late. Own host keys, client
/// keys of every type (one encrypted), a private known_hosts and ssh_config. Stopped by PID.
/// </summary>
public sealed class SshdFixture : IDisposable
{
    public const string Passphrase = "correct horse";
    private readonly List<int> _pids = [];

    public SshdFixture()
    {
        if (!File.Exists("/usr/sbin/sshd"))
        {
            throw new InvalidOperationException("/usr/sbin/sshd is missing: apt-get install -y openssh-server (eng/test-packages.txt lists it).");
        }

        Dir = Directory.CreateTempSubdirectory("fanout-sshd-").FullName;
        Directory.CreateDirectory("/run/sshd");
        Sh.Run($"""
            cd {Dir}
            ssh-keygen -q -t ed25519 -N '' -C host -f host_ed25519
            ssh-keygen -q -t ed25519 -N '' -C other -f other_host_ed25519
            ssh-keygen -q -t ed25519 -N '' -C ed -f id_ed25519
            ssh-keygen -q -t rsa -b 2048 -N '' -C rsa -f id_rsa
            ssh-keygen -q -t ecdsa -b 256 -N '' -C ecdsa -f id_ecdsa
            ssh-keygen -q -t ed25519 -N '{Passphrase}' -C enc -f id_encrypted
            ssh-keygen -q -t ed25519 -N '' -C agent -f id_agent
            cat id_ed25519.pub id_rsa.pub id_ecdsa.pub id_encrypted.pub id_agent.pub > authorized_keys
            chmod 600 authorized_keys id_*
            """);
        File.WriteAllText(Path.Combine(Dir, "device.sh"), DeviceScript);
        Sh.Run($"chmod 755 {Dir}/device.sh");

        Port = Sh.FreePort();
        JumpPort = Sh.FreePort();
        DevicePort = Sh.FreePort();
        BusyPort = Sh.FreePort();
        SlowPort = Sh.FreePort();
        StartSshd("main", Port, string.Empty);
        StartSshd("busy", BusyPort, string.Empty, maxStartups: "3");
        StartSshd("jump", JumpPort, string.Empty);
        StartSshd("device", DevicePort, $"ForceCommand {Dir}/device.sh");
        // The session's shell (the process-group leader whose pid the command prints first) waits 2 s before it runs the command.
        StartSshd("slow", SlowPort, "ForceCommand sleep 2; eval \"$SSH_ORIGINAL_COMMAND\"");

        string hostKey = File.ReadAllText(Path.Combine(Dir, "host_ed25519.pub")).Split(' ')[0..2] is var k ? string.Join(' ', k) : "";
        KnownHosts = Path.Combine(Dir, "known_hosts");
        File.WriteAllText(KnownHosts, string.Join('\n', new[] { Port, JumpPort, DevicePort, BusyPort, SlowPort }.Select(p => $"[127.0.0.1]:{p} {hostKey}")) + "\n");
        HostPublicKey = hostKey;
        OtherHostPublicKey = string.Join(' ', File.ReadAllText(Path.Combine(Dir, "other_host_ed25519.pub")).Split(' ')[0..2]);

        SshConfig = Path.Combine(Dir, "ssh_config");
        File.WriteAllText(SshConfig, $"""
            # aliases for the tests
            Host web-* !web-bad
              HostName 127.0.0.1
              Port {Port}
            Host web-bad
              HostName 127.0.0.1
              Port 1
            Host jumphost
              HostName 127.0.0.1
              Port {JumpPort}
            Host behind-jump
              HostName 127.0.0.1
              Port {Port}
              ProxyJump jumphost
            Host behind-badjump
              HostName 127.0.0.1
              Port {Port}
              ProxyJump web-bad
            Host *
              User root
              IdentityFile {Dir}/id_ed25519
              Port 9
            """);
    }

    public string Dir { get; }

    public int Port { get; }

    public int JumpPort { get; }

    public int DevicePort { get; }

    /// <summary>An sshd with <c>MaxStartups 3</c>: past three unauthenticated connections it drops new ones before its banner.</summary>
    public int BusyPort { get; }

    /// <summary>An sshd whose sessions start the requested command only after 2 s (<c>ForceCommand sleep 2; eval …</c>).</summary>
    public int SlowPort { get; }

    public string KnownHosts { get; }

    public string SshConfig { get; }

    public string HostPublicKey { get; }

    public string OtherHostPublicKey { get; }

    public string Key(string name) => Path.Combine(Dir, name);

    public void Dispose()
    {
        foreach (int pid in _pids)
        {
            try
            {
                System.Diagnostics.Process.GetProcessById(pid).Kill();
            }
            catch (ArgumentException)
            {
                // already gone
            }
        }

        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
            // best effort cleanup of the temp dir
        }
    }

    private void StartSshd(string name, int port, string extra, string maxStartups = "2000:30:2000")
    {
        string config = Path.Combine(Dir, $"sshd_{name}.conf");
        string pidFile = Path.Combine(Dir, $"sshd_{name}.pid");
        File.WriteAllText(config, $"""
            Port {port}
            ListenAddress 127.0.0.1
            AddressFamily inet
            HostKey {Dir}/host_ed25519
            PidFile {pidFile}
            AuthorizedKeysFile {Dir}/authorized_keys
            PermitRootLogin prohibit-password
            PubkeyAuthentication yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes no
            UseDNS no
            MaxStartups {maxStartups}
            MaxSessions 100
            LogLevel ERROR
            PrintMotd no
            PrintLastLog no
            AllowTcpForwarding yes
            Subsystem sftp internal-sftp
            SetEnv SHLVL=1
            {extra}
            """);
        Sh.Run($"/usr/sbin/sshd -f {config} -E {Dir}/sshd_{name}.log");
        for (int i = 0; i < 100; i++)
        {
            if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out int pid))
            {
                _pids.Add(pid);
                using var probe = new TcpClient();
                probe.Connect("127.0.0.1", port);
                return;
            }

            Thread.Sleep(50);
        }

        throw new InvalidOperationException($"sshd {name} did not start: {File.ReadAllText(Path.Combine(Dir, $"sshd_{name}.log"))}");
    }

    private const string DeviceScript = """
        #!/bin/bash
        # A stand-in router CLI: prompt router1#, paging with --More--, % Invalid input for unknown commands.
        paging=1
        printf 'Welcome to router1\r\n\r\nrouter1#'
        while IFS= read -r line; do
          line=${line%$'\r'}
          case "$line" in
            "terminal length 0") paging=0 ;;
            "show version") printf 'RouterOS 15.2, uptime 3 days\r\n' ;;
            "show long")
              for i in $(seq 1 60); do
                printf 'interface %d up\r\n' "$i"
                if [ "$paging" = 1 ] && [ $((i % 20)) = 0 ] && [ "$i" != 60 ]; then
                  printf ' --More-- '; read -r -s -n1 _; printf '\r          \r'
                fi
              done ;;
            "enable-paging") paging=1 ;;
            "exit") exit 0 ;;
            "") ;;
            *) printf "%% Invalid input detected at '^' marker.\r\n" ;;
          esac
          printf 'router1#'
        done
        """;
}

[CollectionDefinition(Name)]
public sealed class SshdCollection : ICollectionFixture<SshdFixture>
{
    public const string Name = "sshd";
}
