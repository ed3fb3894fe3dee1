using Fanout.Operations;
using Fanout.Transports;

namespace Fanout.Core.Tests.Operations;

public sealed class CommandLinesTests
{
    [Theory]
    [InlineData("/bin/true", new[] { "/bin/true" })]
    [InlineData("true", new[] { "true" })]
    [InlineData("ls -la /tmp", new[] { "ls", "-la", "/tmp" })]
    public void Parse_PlainProgram_StartsDirectly(string line, string[] argv)
    {
        CommandSpec spec = CommandLines.Parse(line);

        Assert.Null(spec.ShellCommand);
        Assert.Equal(argv, spec.Argv);
    }

    [Theory]
    [InlineData("echo $FANOUT_TARGET")]
    [InlineData("exit 3")]
    [InlineData("cd /tmp")]
    [InlineData("FOO=1 env")]
    [InlineData("ls *.txt")]
    [InlineData("echo 'quoted'")]
    [InlineData("true; false")]
    [InlineData("no-such-program-xyz")]
    public void Parse_ShellFeatureOrUnknownProgram_RunsThroughShell(string line)
    {
        CommandSpec spec = CommandLines.Parse(line);

        Assert.Equal(line, spec.ShellCommand);
        Assert.Equal("sh", spec.Shell);
    }
}
