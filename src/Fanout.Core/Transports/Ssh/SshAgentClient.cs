using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Renci.SshNet;
using Renci.SshNet.Security;

namespace Fanout.Transports.Ssh;

/// <summary>
/// A minimal ssh-agent client (draft-miller-ssh-agent): list identities and sign with them over the
/// agent's Unix socket. SSH.NET 2026.0.0 has no agent support; its key authentication accepts any
/// <see cref="IPrivateKeySource"/> whose <see cref="HostAlgorithm"/> signs, so agent keys plug in there.
/// </summary>
internal sealed class SshAgentClient
{
    private const byte RequestIdentities = 11;
    private const byte IdentitiesAnswer = 12;
    private const byte SignRequest = 13;
    private const byte SignResponse = 14;
    private const uint RsaSha256Flag = 2;
    private const uint RsaSha512Flag = 4;

    private readonly string _socketPath;

    public SshAgentClient(string socketPath) => _socketPath = socketPath;

    /// <summary>Key sources for every identity the agent holds (empty when the agent is unreachable).</summary>
    public IReadOnlyList<IPrivateKeySource> LoadIdentities()
    {
        byte[] reply;
        try
        {
            reply = Call([RequestIdentities]);
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            return [];
        }

        if (reply.Length == 0 || reply[0] != IdentitiesAnswer)
        {
            return [];
        }

        var reader = new Reader(reply, 1);
        uint count = reader.UInt32();
        var sources = new List<IPrivateKeySource>();
        for (uint i = 0; i < count; i++)
        {
            byte[] blob = reader.String();
            _ = reader.String(); // comment
            string keyType = Encoding.ASCII.GetString(new Reader(blob, 0).String());
            sources.Add(new AgentKeySource(this, keyType, blob));
        }

        return sources;
    }

    private byte[] Sign(byte[] keyBlob, byte[] data, uint flags)
    {
        var request = new MemoryStream();
        request.WriteByte(SignRequest);
        WriteString(request, keyBlob);
        WriteString(request, data);
        WriteUInt32(request, flags);
        byte[] reply = Call(request.ToArray());
        if (reply.Length == 0 || reply[0] != SignResponse)
        {
            throw new TransportException("ssh-agent refused to sign with the key.");
        }

        return new Reader(reply, 1).String();
    }

    private byte[] Call(byte[] message)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(_socketPath));
        socket.ReceiveTimeout = 10_000;
        socket.SendTimeout = 10_000;
        byte[] frame = new byte[4 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)message.Length);
        message.CopyTo(frame, 4);
        socket.Send(frame);
        byte[] lengthBytes = ReceiveExactly(socket, 4);
        uint length = BinaryPrimitives.ReadUInt32BigEndian(lengthBytes);
        if (length > 256 * 1024)
        {
            throw new IOException("ssh-agent reply too large.");
        }

        return ReceiveExactly(socket, (int)length);
    }

    private static byte[] ReceiveExactly(Socket socket, int count)
    {
        byte[] buffer = new byte[count];
        int read = 0;
        while (read < count)
        {
            int n = socket.Receive(buffer, read, count - read, SocketFlags.None);
            if (n == 0)
            {
                throw new IOException("ssh-agent closed the connection.");
            }

            read += n;
        }

        return buffer;
    }

    private static void WriteUInt32(Stream s, uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        s.Write(b);
    }

    private static void WriteString(Stream s, byte[] value)
    {
        WriteUInt32(s, (uint)value.Length);
        s.Write(value);
    }

    private struct Reader(byte[] data, int offset)
    {
        private int _offset = offset;

        public uint UInt32()
        {
            uint v = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(_offset, 4));
            _offset += 4;
            return v;
        }

        public byte[] String()
        {
            int len = checked((int)UInt32());
            byte[] v = data.AsSpan(_offset, len).ToArray();
            _offset += len;
            return v;
        }
    }

    private sealed class AgentKeySource : IPrivateKeySource
    {
        public AgentKeySource(SshAgentClient agent, string keyType, byte[] blob)
        {
            HostKeyAlgorithms = keyType == "ssh-rsa"
                ? [new AgentHostAlgorithm(agent, "rsa-sha2-512", blob, RsaSha512Flag), new AgentHostAlgorithm(agent, "rsa-sha2-256", blob, RsaSha256Flag)]
                : [new AgentHostAlgorithm(agent, keyType, blob, 0)];
        }

        public IReadOnlyCollection<HostAlgorithm> HostKeyAlgorithms { get; }
    }

    private sealed class AgentHostAlgorithm(SshAgentClient agent, string name, byte[] blob, uint flags) : HostAlgorithm(name)
    {
        public override byte[] Data => blob;

        // SSH.NET sends Sign's result as the signature field: the agent's reply is exactly that blob
        // (string algorithm, string signature).
        public override byte[] Sign(byte[] data) => agent.Sign(blob, data, flags);

        public override bool VerifySignature(byte[] data, byte[] signature) =>
            throw new NotSupportedException("Agent keys only sign.");
    }
}
