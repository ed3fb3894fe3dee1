using System.Collections.Concurrent;
using System.Net;

namespace Fanout.Server.Auth;

/// <summary>Counts failed authentications per client IP in a sliding minute (SPEC A5); past the limit the IP gets 429 until the minute passes.</summary>
internal sealed class FailedAuthLimiter(ServerOptions options, TimeProvider time)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<IPAddress, Queue<DateTimeOffset>> _failures = new();

    /// <summary>Whether <paramref name="ip"/> is blocked now; when it is, <paramref name="retryAfter"/> says for how long.</summary>
    public bool IsBlocked(IPAddress ip, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (!_failures.TryGetValue(ip, out Queue<DateTimeOffset>? queue))
        {
            return false;
        }

        lock (queue)
        {
            Trim(queue);
            if (queue.Count == 0)
            {
                // Forget addresses whose failures have expired, so the table does not grow without bound.
                _failures.TryRemove(new KeyValuePair<IPAddress, Queue<DateTimeOffset>>(ip, queue));
                return false;
            }

            if (queue.Count < options.FailedAuthLimitPerMinute)
            {
                return false;
            }

            retryAfter = queue.Peek() + Window - time.GetUtcNow();
            return true;
        }
    }

    public void RecordFailure(IPAddress ip)
    {
        Queue<DateTimeOffset> queue = _failures.GetOrAdd(ip, _ => new Queue<DateTimeOffset>());
        lock (queue)
        {
            Trim(queue);
            queue.Enqueue(time.GetUtcNow());
        }
    }

    private void Trim(Queue<DateTimeOffset> queue)
    {
        DateTimeOffset cutoff = time.GetUtcNow() - Window;
        while (queue.Count > 0 && queue.Peek() <= cutoff)
        {
            queue.Dequeue();
        }
    }
}
