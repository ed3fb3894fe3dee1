using System.Globalization;
using System.Security.Cryptography;

namespace Fanout.Runs;

/// <summary>The one generator of run ids, used by exec runs, workflow runs, API batches and schedules alike.</summary>
public static class RunIds
{
    /// <summary>
    /// Returns a new run id, sortable by start time: <c>yyyyMMdd-HHmmss-xxxxxxxx</c> (UTC, 32 random bits so that
    /// concurrent clients of one server never collide).
    /// </summary>
    public static string New(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return time.GetUtcNow().ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
    }
}
