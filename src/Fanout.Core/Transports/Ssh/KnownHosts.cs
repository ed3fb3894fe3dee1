using System.Security.Cryptography;
using System.Text;

namespace Fanout.Transports.Ssh;

/// <summary>
/// known_hosts lookup: plain names, <c>[host]:port</c>, wildcard and negated patterns, hashed
/// <c>|1|salt|hash</c> entries, <c>@revoked</c> markers, several files. Appends new keys to the first file.
/// </summary>
internal sealed class KnownHosts
{
    private static readonly SemaphoreSlim AppendLock = new(1, 1);
    private readonly IReadOnlyList<string> _files;

    public KnownHosts(IReadOnlyList<string> files) => _files = files;

    public IReadOnlyList<string> Files => _files;

    public static string HostKeyName(string host, int port) => port == 22 ? host : $"[{host}]:{port}";

    /// <summary>Key types recorded for the host, so the client can prefer them in negotiation.</summary>
    public IReadOnlyList<string> KnownKeyTypes(string host, int port) =>
        Entries(HostKeyName(host, port)).Where(e => !e.Revoked).Select(e => e.KeyType).Distinct().ToList();

    public HostKeyVerdict Check(string host, int port, string keyType, byte[] key)
    {
        string name = HostKeyName(host, port);
        var entries = Entries(name).ToList();
        string presented = Fingerprint(key);
        if (entries.Any(e => e.Revoked && e.Key.AsSpan().SequenceEqual(key)))
        {
            return new HostKeyVerdict(HostKeyStatus.Revoked, presented, null);
        }

        var live = entries.Where(e => !e.Revoked).ToList();
        if (live.Any(e => e.Key.AsSpan().SequenceEqual(key)))
        {
            return new HostKeyVerdict(HostKeyStatus.Trusted, presented, null);
        }

        var sameType = live.FirstOrDefault(e => KeyFamily(e.KeyType) == KeyFamily(keyType));
        if (sameType is not null)
        {
            return new HostKeyVerdict(HostKeyStatus.Changed, presented, Fingerprint(sameType.Key));
        }

        return new HostKeyVerdict(HostKeyStatus.Unknown, presented, live.Count > 0 ? Fingerprint(live[0].Key) : null);
    }

    public async Task AppendAsync(string host, int port, string keyType, byte[] key, CancellationToken cancellationToken)
    {
        if (_files.Count == 0)
        {
            return;
        }

        string file = _files[0];
        string line = $"{HostKeyName(host, port)} {keyType} {Convert.ToBase64String(key)}\n";
        await AppendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Check(host, port, keyType, key).Status == HostKeyStatus.Trusted)
            {
                return; // a concurrent connection to the same host recorded it already
            }

            string? dir = Path.GetDirectoryName(Path.GetFullPath(file));
            if (dir is not null)
            {
                Directory.CreateDirectory(dir);
            }

            await File.AppendAllTextAsync(file, line, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            AppendLock.Release();
        }
    }

    public static string Fingerprint(byte[] key) => "SHA256:" + Convert.ToBase64String(SHA256.HashData(key)).TrimEnd('=');

    private static string KeyFamily(string keyType) => keyType switch
    {
        "ssh-rsa" or "rsa-sha2-256" or "rsa-sha2-512" => "rsa",
        _ => keyType,
    };

    private IEnumerable<Entry> Entries(string name)
    {
        foreach (string file in _files)
        {
            if (!File.Exists(file))
            {
                continue;
            }

            foreach (string raw in File.ReadLines(file))
            {
                Entry? entry = Parse(raw);
                if (entry is not null && HostMatches(entry.Hosts, name))
                {
                    yield return entry;
                }
            }
        }
    }

    private static Entry? Parse(string raw)
    {
        string line = raw.Trim();
        if (line.Length == 0 || line[0] == '#')
        {
            return null;
        }

        string[] parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        bool revoked = false;
        int i = 0;
        if (parts[0].StartsWith('@'))
        {
            if (parts[0] == "@cert-authority")
            {
                return null; // certificate authorities are not supported: such lines never vouch for a key
            }

            revoked = parts[0] == "@revoked";
            i = 1;
        }

        if (parts.Length < i + 3)
        {
            return null;
        }

        try
        {
            return new Entry(parts[i], parts[i + 1], Convert.FromBase64String(parts[i + 2]), revoked);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static bool HostMatches(string hosts, string name)
    {
        if (hosts.StartsWith("|1|", StringComparison.Ordinal))
        {
            string[] p = hosts.Split('|');
            if (p.Length != 4)
            {
                return false;
            }

            try
            {
                byte[] salt = Convert.FromBase64String(p[2]);
                byte[] expected = Convert.FromBase64String(p[3]);
                byte[] actual = HMACSHA1.HashData(salt, Encoding.UTF8.GetBytes(name));
                return CryptographicOperations.FixedTimeEquals(actual, expected);
            }
            catch (FormatException)
            {
                return false;
            }
        }

        return SshConfig.Matches(hosts.Split(','), name);
    }

    private sealed record Entry(string Hosts, string KeyType, byte[] Key, bool Revoked);
}

/// <summary>Outcome of a host key check.</summary>
internal enum HostKeyStatus
{
    Trusted,
    Unknown,
    Changed,
    Revoked,
}

/// <summary>A host key check's status with the presented and (when known) expected SHA256 fingerprints.</summary>
internal sealed record HostKeyVerdict(HostKeyStatus Status, string Presented, string? Expected);
