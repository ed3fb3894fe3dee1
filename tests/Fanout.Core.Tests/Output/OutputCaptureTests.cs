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
}
