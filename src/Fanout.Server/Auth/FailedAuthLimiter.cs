using System.Collections.Concurrent;

namespace Fanout.Server.Auth;

/// <summary>
/// Counts failed authentications in a sliding minute per key (SPEC A5): one key per presented credential (a hash of it) and
/// one per client address, counted separately. Past <see cref="ServerOptions.FailedAuthLimitPerMinute"/> a key is blocked
/// until its oldest failure is a minute old. Only requests that fail authentication are ever asked about: a valid token is
/// never blocked, whatever else came from its address.
/// </summary>
internal sealed class FailedAuthLimiter(ServerOptions options, TimeProvider time)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _failures = new(StringComparer.Ordinal);

    /// <summary>The key of a client address.</summary>
    public static string AddressKey(System.Net.IPAddress address) => "ip:" + address;

    /// <summary>The key of a presented credential (never the credential itself).</summary>
    public static string CredentialKey(string credential) => "credential:" + Fanout.Security.ApiTokens.HashOf(credential)[..16];

    /// <summary>Whether <paramref name="key"/> is blocked now; when it is, <paramref name="retryAfter"/> says for how long.</summary>
    public bool IsBlocked(string key, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (!_failures.TryGetValue(key, out Queue<DateTimeOffset>? queue))
        {
            return false;
        }

        lock (queue)
        {
            Trim(queue);
            if (queue.Count == 0)
            {
                // Forget keys whose failures have expired, so the table does not grow without bound.
                _failures.TryRemove(new KeyValuePair<string, Queue<DateTimeOffset>>(key, queue));
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

    public void RecordFailure(string key)
    {
        Queue<DateTimeOffset> queue = _failures.GetOrAdd(key, _ => new Queue<DateTimeOffset>());
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
