using Renci.SshNet;

namespace Fanout.Transports.Ssh;

/// <summary>A connected client plus whatever carries it (jump host connections and their forwards).</summary>
internal sealed class SshConnection : IDisposable
{
    private readonly SshConnection? _via;
    private readonly ForwardedPortLocal? _forward;

    public SshConnection(SshClient client, SshEndpoint endpoint, SshConnection? via = null, ForwardedPortLocal? forward = null)
    {
        Client = client;
        Endpoint = endpoint;
        _via = via;
        _forward = forward;
    }

    public SshClient Client { get; }

    public SshEndpoint Endpoint { get; }

    public void Dispose()
    {
        Client.Dispose();
        if (_forward is not null)
        {
            try
            {
                _forward.Stop();
            }
            catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or Renci.SshNet.Common.SshException)
            {
                // the jump connection may be gone already; nothing left to stop
            }

            _forward.Dispose();
        }

        _via?.Dispose();
    }
}
