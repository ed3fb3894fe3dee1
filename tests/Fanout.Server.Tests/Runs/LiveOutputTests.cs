using System.Text;
using Fanout.Server.Batches;

namespace Fanout.Server.Tests.Runs;

/// <summary>The live output buffers of a batch: offsets, the per-stream cap, UTF-8 boundaries, attempts.</summary>
public sealed class LiveOutputTests
{
    [Fact]
    public void ReadsFromAnOffset_NeverSplitsACharacter_AndEndsWithTheStream()
    {
        var live = new LiveOutput();
        byte[] e = Encoding.UTF8.GetBytes("é"); // 2 bytes
        live.Observe("t", 1, "stdout", Encoding.UTF8.GetBytes("ab"));
        live.Observe("t", 1, "stdout", e.AsSpan(0, 1));
        LiveSlice first = live.Read("t", "stdout", 0, 1024)!;
        Assert.Equal(("ab", 2L, false), (first.Text, first.Next, first.Ended)); // the half character waits for its other half
        live.Observe("t", 1, "stdout", e.AsSpan(1, 1));
        live.Observe("t", 1, "stdout", []);
        LiveSlice second = live.Read("t", "stdout", first.Next, 1024)!;
        Assert.Equal(("é", 4L, true, false), (second.Text, second.Next, second.Ended, second.Skipped));
        Assert.Null(live.Read("t", "stderr", 0, 1024));
        Assert.Null(live.Read("other", "stdout", 0, 1024));
    }

    [Fact]
    public void KeepsTheLastBytesOfALongStream_AndSaysWhatWasSkipped_AndANewAttemptStartsOver()
    {
        var live = new LiveOutput();
        byte[] chunk = Encoding.ASCII.GetBytes(new string('x', 100_000));
        for (int i = 0; i < 4; i++)
        {
            live.Observe("t", 1, "stdout", chunk);
        }

        LiveSlice slice = live.Read("t", "stdout", 0, 1024)!;
        Assert.True(slice.Skipped);
        Assert.Equal(400_000 - LiveOutput.StreamCap, slice.Offset);
        Assert.Equal(slice.Offset + 1024, slice.Next);
        live.Observe("t", 2, "stdout", Encoding.ASCII.GetBytes("retry"));
        LiveSlice retry = live.Read("t", "stdout", 0, 1024)!;
        Assert.Equal((2, "retry", 0L, false), (retry.Attempt, retry.Text, retry.Offset, retry.Skipped));
    }

    [Fact]
    public void ManyRunningStreams_StayWithinTheBatchCap_EachKeepingItsLatestBytes()
    {
        var live = new LiveOutput();
        byte[] chunk = Encoding.ASCII.GetBytes(new string('y', 200_000));
        int targets = (int)(2 * LiveOutput.BatchCap / chunk.Length); // twice the cap, every stream still running
        for (int t = 0; t < targets; t++)
        {
            live.Observe($"t{t}", 1, "stdout", chunk);
            // The cap, plus at most the short tail every running stream keeps (running streams ≤ the run's parallelism × 2).
            Assert.True(live.Held <= LiveOutput.BatchCap + ((t + 1) * LiveOutput.MinStreamKeep), $"after {t + 1} streams: {live.Held} bytes held");
        }

        for (int t = 0; t < targets; t++)
        {
            live.Observe($"t{t}", 1, "stdout", Encoding.ASCII.GetBytes($"end-{t}"));
        }

        Assert.True(live.Held <= LiveOutput.BatchCap + (targets * LiveOutput.MinStreamKeep), $"{live.Held} bytes held");
        LiveSlice last = live.Read("t0", "stdout", 0, LiveOutput.StreamCap)!;
        Assert.True(last.Skipped);
        Assert.EndsWith("end-0", last.Text, StringComparison.Ordinal);
        Assert.Equal(chunk.Length + "end-0".Length, last.Next);
    }
}
