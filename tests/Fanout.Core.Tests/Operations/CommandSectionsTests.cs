using Fanout.Operations;

namespace Fanout.Core.Tests.Operations;

/// <summary>The per-command framing of a commands run's streams: exact whatever the output holds, refused when cut short.</summary>
public sealed class CommandSectionsTests
{
    [Fact]
    public void Parse_OfFormattedSections_GivesEachCommandsOutputExitCodeAndStderr()
    {
        string stdout = CommandSections.Format(1, 3, "show version", 0, "v1\n") + CommandSections.Format(2, 3, "show x", 0, "# [3/3] y (exit 0, 2 chars)\nzz")
            + CommandSections.Format(3, 3, "quiet", null, "");
        string stderr = CommandSections.Format(2, 3, "show x", 0, "warn");

        IReadOnlyList<CommandSection> sections = CommandSections.Parse(stdout, stderr)!;

        Assert.Equal(3, sections.Count);
        Assert.Equal(("show version", 0, "v1\n", ""), (sections[0].Command, sections[0].ExitCode, sections[0].Stdout, sections[0].Stderr));
        Assert.Equal("# [3/3] y (exit 0, 2 chars)\nzz", sections[1].Stdout);
        Assert.Equal("warn", sections[1].Stderr);
        Assert.Null(sections[2].ExitCode);
        Assert.Equal("", sections[2].Stdout);
    }

    [Theory]
    [InlineData("plain output\n")]
    [InlineData("# [1/2] a (exit 0, 10 chars)\nshort\n")]
    [InlineData("# [1/2] a (exit 0, 2 chars)\nok\n# [3/2] b (exit 0, 0 chars)\n")]
    [InlineData("# [1/1] a (exit 0, 2 chars)\nokX")]
    public void Parse_OfAnythingElse_IsNull(string stdout) => Assert.Null(CommandSections.Parse(stdout, null));
}
