using System.Text;
using Fanout.Output;

namespace Fanout.Core.Tests.Output;

public sealed class OutputCaptureTests
{
    [Fact]
    public void Complete_SmallOutput_KeepsAllInMemory()
    {
        using var capture = new OutputCapture(cap: 16, spillPathFactory: () => throw new InvalidOperationException("no spill expected"));
        capture.Write("hello");
        CapturedOutput output = capture.Complete();
        Assert.Equal("hello", output.Text);
        Assert.Equal(5, output.TotalBytes);
        Assert.False(output.Truncated);
    }

    [Fact]
    public void Complete_OutputBeyondCap_SpillsEverythingToFile()
    {
        string path = Path.Combine(Path.GetTempPath(), "fanout-test-" + Guid.NewGuid().ToString("N"), "out.txt");
        using var capture = new OutputCapture(cap: 8, spillPathFactory: () => path);
        capture.Write("0123");
        capture.Write("456789ab");
        capture.Write("cdef");
        CapturedOutput output = capture.Complete();
        Assert.Equal("01234567", output.Text);
        Assert.Equal(16, output.TotalBytes);
        Assert.True(output.Truncated);
        Assert.Equal("0123456789abcdef", File.ReadAllText(path));
        Assert.Equal("0123456789abcdef", output.ReadAll());
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }

    [Fact]
    public void Complete_CapInsideMultiByteCharacter_DoesNotSplitIt()
    {
        using var capture = new OutputCapture(cap: 4, spillPathFactory: null);
        capture.Write(Encoding.UTF8.GetBytes("aé€x")); // 1 + 2 + 3 + 1 bytes
        CapturedOutput output = capture.Complete();
        Assert.Equal("aé", output.Text);
        Assert.Equal(7, output.TotalBytes);
    }

    [Fact]
    public void Complete_HeadAndTail_ShowBothEndsAndSayWhatIsLeftOut()
    {
        string path = TempPath();
        using var capture = new OutputCapture(cap: 8, spillPathFactory: () => path, tail: 3);
        capture.Write("abcde");
        capture.Write("fghijkl");
        capture.Write("mnopqrstu");
        CapturedOutput output = capture.Complete();

        Assert.Equal(21, output.TotalBytes);
        Assert.True(output.Truncated);
        Assert.Equal("abcde\n[… 13 bytes not shown …]\nstu", output.Text);
        Assert.Equal("abcdefghijklmnopqrstu", File.ReadAllText(path));
        Assert.Equal(8, output.RetainedBytes);
    }

    [Fact]
    public void Complete_OutputFitsHeadPlusTail_IsCompleteWithoutSpillFile()
    {
        using var capture = new OutputCapture(cap: 8, spillPathFactory: () => throw new InvalidOperationException("no spill expected"), tail: 4);
        capture.Write("abcdef");
        capture.Write("gh");
        CapturedOutput output = capture.Complete();

        Assert.False(output.Truncated);
        Assert.Null(output.SpillPath);
        Assert.Equal("abcdefgh", output.Text);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1000)]
    [InlineData(70000)]
    public void Write_RandomBinaryInRandomChunks_SpillFileAndOpenReadAreByteExact(int chunkMax)
    {
        string path = TempPath();
        var random = new Random(chunkMax);
        byte[] data = new byte[200_000];
        random.NextBytes(data);
        using var capture = new OutputCapture(cap: 4096, spillPathFactory: () => path, tail: 1024);
        for (int i = 0; i < data.Length;)
        {
            int n = Math.Min(data.Length - i, random.Next(1, chunkMax + 1));
            capture.Write(data.AsSpan(i, n));
            i += n;
        }

        CapturedOutput output = capture.Complete();
        using var read = new MemoryStream();
        output.OpenRead().CopyTo(read);

        Assert.Equal(data, read.ToArray());
        Assert.Equal(data, File.ReadAllBytes(path));
        Assert.True(output.Lossy);
        Assert.Equal(4096, output.RetainedBytes);
    }

    [Fact]
    public void Complete_InvalidUtf8_IsLossyButBytesStayExact()
    {
        using var capture = new OutputCapture(cap: 64);
        byte[] bytes = [0x61, 0xFF, 0xFE, 0x62];
        capture.Write(bytes);
        CapturedOutput output = capture.Complete();

        Assert.False(output.Truncated);
        Assert.True(output.Lossy);
        Assert.Equal("a\uFFFD\uFFFDb", output.Text);
        using var read = new MemoryStream();
        output.OpenRead().CopyTo(read);
        Assert.Equal(bytes, read.ToArray());
    }

    [Fact]
    public void Complete_CalledTwiceAndLateWrites_ReturnsWhatWasCapturedFirst()
    {
        using var capture = new OutputCapture(cap: 64);
        capture.Write("before");
        CapturedOutput first = capture.Complete();
        capture.Write("after");

        Assert.Same(first, capture.Complete());
        Assert.Equal("before", first.Text);
    }

    [Fact]
    public void Write_AfterDispose_IsIgnoredButCompleteStillReturnsTheBytes()
    {
        var capture = new OutputCapture(cap: 64);
        capture.Write("partial");
        capture.Dispose();
        capture.Write("late");

        Assert.Equal("partial", capture.Complete().Text);
    }

    [Fact]
    public void Budget_Spent_CapturesKeepNothingInMemoryButTextComesFromTheSpillFile()
    {
        var budget = new OutputBudget(10_000);
        var outputs = new List<CapturedOutput>();
        for (int i = 0; i < 10; i++)
        {
            string path = TempPath();
            using var capture = new OutputCapture(cap: 4096, spillPathFactory: () => path, budget: budget, tail: 1024);
            capture.Write(Encoding.UTF8.GetBytes(new string((char)('a' + i), 5000)));
            outputs.Add(capture.Complete());
        }

        Assert.InRange(budget.Peak, 1, 10_000);
        Assert.InRange(outputs.Sum(o => o.RetainedBytes), 1, 10_000);
        Assert.Equal(0, outputs[^1].RetainedBytes);
        foreach ((CapturedOutput output, int i) in outputs.Select((o, i) => (o, i)))
        {
            // Every output shows the same window, from memory or from its file.
            string expected = new string((char)('a' + i), 3072) + "\n[… 904 bytes not shown …]\n" + new string((char)('a' + i), 1024);
            Assert.Equal(expected, output.Text);
            Assert.Equal(5000, output.ReadAll().Length);
        }
    }

    [Fact]
    public void Budget_SmallOutputsUnderBudget_NeverSpill()
    {
        var budget = new OutputBudget(1 << 20);
        using var capture = new OutputCapture(cap: 4096, spillPathFactory: () => throw new InvalidOperationException("no spill expected"), budget: budget, tail: 1024);
        capture.Write("hello\n");
        CapturedOutput output = capture.Complete();

        Assert.Equal(6, budget.Used); // slack of the growing buffer is given back
        Assert.Equal("hello\n", output.Text);
    }

    private static string TempPath() => Path.Combine(Path.GetTempPath(), "fanout-test-" + Guid.NewGuid().ToString("N"), "out.txt");
}
