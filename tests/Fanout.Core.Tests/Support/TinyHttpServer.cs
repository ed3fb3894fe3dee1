using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Fanout.Core.Tests.Support;

/// <summary>
/// A minimal real HTTP/1.1 server on 127.0.0.1:0 (a TcpListener, no Kestrel): records each request and answers with
/// a fixed status, or never answers (to test timeouts).
/// </summary>
internal sealed class TinyHttpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly int _status;
    private readonly bool _answer;

    public TinyHttpServer(int status = 200, bool answer = true)
    {
        _status = status;
        _answer = answer;
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Url(string path = "/hook") => $"http://127.0.0.1:{Port}{path}";

    public System.Threading.Channels.Channel<RecordedRequest> Requests { get; } = System.Threading.Channels.Channel.CreateUnbounded<RecordedRequest>();

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(client));
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var buffer = new List<byte>();
            var chunk = new byte[4096];
            int headerEnd;
            while ((headerEnd = IndexOf(buffer, "\r\n\r\n"u8.ToArray())) < 0)
            {
                var n = await stream.ReadAsync(chunk, _stop.Token);
                if (n == 0)
                {
                    return;
                }

                buffer.AddRange(chunk.AsSpan(0, n).ToArray());
            }

            var head = Encoding.ASCII.GetString([.. buffer.Take(headerEnd)]).Split("\r\n");
            var headers = head.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
            var length = headers.TryGetValue("Content-Length", out var cl) ? int.Parse(cl, System.Globalization.CultureInfo.InvariantCulture) : 0;
            while (buffer.Count < headerEnd + 4 + length)
            {
                var n = await stream.ReadAsync(chunk, _stop.Token);
                if (n == 0)
                {
                    break;
                }

                buffer.AddRange(chunk.AsSpan(0, n).ToArray());
            }

            var body = Encoding.UTF8.GetString([.. buffer.Skip(headerEnd + 4).Take(length)]);
            await Requests.Writer.WriteAsync(new RecordedRequest(head[0], headers, body));
            if (!_answer)
            {
                await Task.Delay(Timeout.Infinite, _stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                return;
            }

            var response = Encoding.ASCII.GetBytes($"HTTP/1.1 {_status} {(_status == 200 ? "OK" : "Error")}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            await stream.WriteAsync(response, _stop.Token);
        }
    }

    private static int IndexOf(List<byte> data, byte[] pattern)
    {
        for (var i = 0; i + pattern.Length <= data.Count; i++)
        {
            var match = true;
            for (var j = 0; j < pattern.Length && match; j++)
            {
                match = data[i + j] == pattern[j];
            }

            if (match)
            {
                return i;
            }
        }

        return -1;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        _stop.Dispose();
    }
}

internal sealed record RecordedRequest(string RequestLine, IReadOnlyDictionary<string, string> Headers, string Body);
