using System.Collections.Concurrent;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Fanout.Transports.Ssh;

/// <summary>
/// Loads private key files once per transport (decrypting a bcrypt-protected key costs many
/// milliseconds) and the agent's identities once.
/// </summary>
internal sealed class SshKeyStore
{
    private readonly SshTransportOptions _options;
    private readonly ConcurrentDictionary<string, Lazy<IPrivateKeySource>> _files = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<IReadOnlyList<IPrivateKeySource>>> _agents = new(StringComparer.Ordinal);

    public SshKeyStore(SshTransportOptions options) => _options = options;

    /// <summary>Returns the key in <paramref name="path"/>; throws <see cref="TransportException"/> naming the key when it cannot be used.</summary>
    public IPrivateKeySource Load(string path)
    {
        string full = Path.GetFullPath(path);
        var lazy = _files.GetOrAdd(full, p => new Lazy<IPrivateKeySource>(() => LoadFile(p), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch (TransportException)
        {
            _files.TryRemove(full, out _); // let a later attempt (e.g. after the passphrase is set) try again
            throw;
        }
    }

    public IReadOnlyList<IPrivateKeySource> AgentKeys(string? socket)
    {
        if (string.IsNullOrEmpty(socket) || !_options.UseAgent)
        {
            return [];
        }

        return _agents.GetOrAdd(socket, s => new Lazy<IReadOnlyList<IPrivateKeySource>>(() => new SshAgentClient(s).LoadIdentities())).Value;
    }

    private IPrivateKeySource LoadFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new TransportException($"SSH identity file '{path}' does not exist.");
        }

        try
        {
            return new PrivateKeyFile(path);
        }
        catch (SshPassPhraseNullOrEmptyException)
        {
            string? passphrase = Environment.GetEnvironmentVariable(_options.PassphraseEnvironmentVariable);
            if (string.IsNullOrEmpty(passphrase))
            {
                passphrase = _options.PassphrasePrompt?.Invoke(path);
            }

            if (string.IsNullOrEmpty(passphrase))
            {
                throw new TransportException(
                    $"SSH key '{path}' is encrypted and no passphrase was given: set {_options.PassphraseEnvironmentVariable}, load it into ssh-agent, or run interactively.");
            }

            try
            {
                return new PrivateKeyFile(path, passphrase);
            }
            catch (Exception ex) when (ex is SshException or System.Security.Cryptography.CryptographicException or ArgumentException or InvalidOperationException)
            {
                throw new TransportException($"SSH key '{path}' could not be decrypted (wrong passphrase in {_options.PassphraseEnvironmentVariable}?): {ex.Message}", ex);
            }
        }
        catch (Exception ex) when (ex is SshException or ArgumentException or InvalidOperationException or NotSupportedException or IOException or UnauthorizedAccessException)
        {
            throw new TransportException($"SSH key '{path}' could not be loaded: {ex.Message}", ex);
        }
    }
}
