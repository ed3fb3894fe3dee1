namespace Fanout.Storage.Tests.Cluster;

/// <summary>Waiting on a cluster's state: re-checks a condition every 100 ms until it holds, or fails after a timeout.</summary>
internal static class Poll
{
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        DateTime end = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > end)
            {
                throw new TimeoutException($"condition not met within {timeout}");
            }

            await Task.Delay(100);
        }
    }
}
