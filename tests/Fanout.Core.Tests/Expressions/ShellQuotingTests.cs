using System.Diagnostics;
using System.Text;
using Fanout.Expressions;
using static Fanout.Core.Tests.Expressions.TemplateTestHelpers;

namespace Fanout.Core.Tests.Expressions;

public sealed class ShellQuotingTests
{
    private static readonly string[] Hostile =
    [
        "'; rm -rf / #", "$(touch /tmp/pwned)", "`id`", "a\nb", "\"double\"", "back\\slash", "tab\there", "*", "~", "-n",
        "$HOME", "a'b'c", "''", "", " ", "ünïcødé ✓", "!event", "{a,b}", "x;y|z&w", "<in >out", "#comment", "%s%n",
    ];

    [Fact]
    public void Render_ShellMode_QuotesValuesButNotRaw()
    {
        var ctx = Context(("msg", "it's $HOME"), ("services", new List<object?> { "api", "a b" }), ("flags", "-x -y"));

        var text = Render("echo {{ .msg }} {{ .services }} {{ raw .flags }} {{ 'safe-word' }}", ctx, RenderMode.Shell);

        Assert.Equal("echo 'it'\\''s $HOME' api 'a b' -x -y safe-word", text);
    }

    [Fact]
    public void Render_PlainMode_WritesValuesAsIs()
    {
        var ctx = Context(("msg", "it's $HOME"));

        Assert.Equal("say it's $HOME", Render("say {{ .msg }}", ctx));
    }

    [Fact(Timeout = 60000)]
    public async Task Quote_HostileStrings_RoundTripThroughRealShellAsOneWord()
    {
        // Arrange: fixed hostile strings plus ~500 random ones, each rendered through a Shell-mode template.
        var random = new Random(20261125);
        var values = new List<string>(Hostile);
        for (var i = 0; i < 500; i++)
        {
            values.Add(RandomHostile(random));
        }

        var template = Template.Parse("printf '%s\\0' {{ .v }}").Template!;
        var script = new StringBuilder();
        foreach (var value in values)
        {
            script.Append(template.Render(Context(("v", value)), RenderMode.Shell).Text).Append('\n');
        }

        // Act: one /bin/sh for all cases; each printf prints its arguments NUL-terminated.
        var output = await RunShAsync(script.ToString());

        // Assert: exactly one argument per value, byte-for-byte equal.
        var words = output.Split('\0');
        Assert.Equal(values.Count + 1, words.Length);
        for (var i = 0; i < values.Count; i++)
        {
            Assert.Equal(values[i], words[i]);
        }
    }

    [Fact(Timeout = 60000)]
    public async Task Render_ListInShellMode_BecomesSeparateWords()
    {
        var random = new Random(7);
        var list = Enumerable.Range(0, 50).Select(_ => (object?)RandomHostile(random)).ToList();
        var text = Render("printf '%s\\0' {{ .list }}", Context(("list", list)), RenderMode.Shell);

        var words = (await RunShAsync(text)).Split('\0');

        Assert.Equal(list.Count + 1, words.Length);
        Assert.Equal(list, words.Take(list.Count).Cast<object?>());
    }

    private static string RandomHostile(Random random)
    {
        string[] pieces = ["'", "\"", "`", "$(", ")", "\\", "\n", " ", ";", "rm -rf /", "#", "*", "$x", "|", "&", "é", "日本", "🙂", "\t", "!", "-", "{", "}", "a", "Z", "9"];
        var sb = new StringBuilder();
        var n = random.Next(0, 8);
        for (var i = 0; i < n; i++)
        {
            sb.Append(pieces[random.Next(pieces.Length)]);
        }

        return sb.ToString();
    }

    private static async Task<string> RunShAsync(string script)
    {
        var psi = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardInputEncoding = new UTF8Encoding(false),
        };
        using var process = Process.Start(psi)!;
        await process.StandardInput.WriteAsync(script);
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
        return output;
    }
}
