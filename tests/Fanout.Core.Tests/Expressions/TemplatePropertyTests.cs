using System.Globalization;
using System.Text;
using Fanout.Expressions;
using static Fanout.Core.Tests.Expressions.TemplateTestHelpers;

namespace Fanout.Core.Tests.Expressions;

/// <summary>Seeded random properties: parse → print → parse is a fixed point and renders identically.</summary>
public sealed class TemplatePropertyTests
{
    private static readonly TemplateContext Ctx = Context(
        ("a", "alpha"),
        ("n", 7L),
        ("list", new List<object?> { "x", "y", 2L }),
        ("m", new Dictionary<string, object?> { ["k"] = "v", ["b"] = true }));

    [Fact]
    public void ParsePrintParse_RandomTemplates_IsFixedPointAndRendersTheSame()
    {
        var random = new Random(1234);
        for (var i = 0; i < 1000; i++)
        {
            var source = new Generator(random).Template(depth: 3);

            var first = Template.Parse(source);
            Assert.True(first.Success, $"case {i}: {source}\n{first.Error}");
            var printed = first.Template.ToString();
            var second = Template.Parse(printed);
            Assert.True(second.Success, $"case {i}: reprint failed: {printed}\n{second.Error}");

            Assert.Equal(printed, second.Template.ToString());
            var r1 = first.Template.Render(Ctx);
            var r2 = second.Template.Render(Ctx);
            Assert.Equal(r1.Text, r2.Text);
            Assert.Equal(r1.Error?.Message, r2.Error?.Message);
        }
    }

    [Fact]
    public void Render_RandomTextWithoutActions_IsIdentity()
    {
        var random = new Random(99);
        for (var i = 0; i < 1000; i++)
        {
            var text = Generator.Text(random, 40);

            Assert.Equal(text, Render(text));
        }
    }

    private sealed class Generator(Random random)
    {
        private readonly Random _r = random;

        public static string Text(Random r, int max)
        {
            const string alphabet = "ab c\n\t'\"$`\\é日}-.|()[]#";
            var sb = new StringBuilder();
            var n = r.Next(0, max);
            for (var i = 0; i < n; i++)
            {
                sb.Append(alphabet[r.Next(alphabet.Length)]);
            }

            // '{' never occurs, so text can never contain "{{"; a trailing '}' next to an action is fine.
            return sb.ToString();
        }

        public string Template(int depth)
        {
            var sb = new StringBuilder("{{ $v0 := 1 }}");
            var parts = _r.Next(1, 5);
            for (var i = 0; i < parts; i++)
            {
                sb.Append(Part(depth));
            }

            return sb.ToString();
        }

        private string Open() => _r.Next(4) == 0 ? "{{- " : "{{ ";

        private string Close() => _r.Next(4) == 0 ? " -}}" : " }}";

        private string Part(int depth)
        {
            var choice = _r.Next(depth > 0 ? 7 : 3);
            return choice switch
            {
                0 => Text(_r, 10),
                1 => Open() + Pipeline(2) + Close(),
                2 => Open() + "$v0 = " + Expr(2) + Close(),
                3 or 4 => Open() + "if " + Expr(2) + Close() + Body(depth) + (_r.Next(2) == 0 ? Open() + "else if " + Expr(1) + Close() + Body(depth) : string.Empty)
                    + (_r.Next(2) == 0 ? Open() + "else" + Close() + Body(depth) : string.Empty) + Open() + "end" + Close(),
                5 => Open() + "range $i, $e := .list" + Close() + Body(depth) + Open() + "end" + Close(),
                _ => Open() + "range .list" + Close() + "{{ . }}" + Body(depth) + (_r.Next(2) == 0 ? "{{ else }}none" : string.Empty) + Open() + "end" + Close(),
            };
        }

        private string Body(int depth)
        {
            var sb = new StringBuilder();
            var n = _r.Next(0, 3);
            for (var i = 0; i < n; i++)
            {
                sb.Append(Part(depth - 1));
            }

            return sb.ToString();
        }

        private string Pipeline(int depth)
        {
            var head = Expr(depth);
            return _r.Next(4) switch
            {
                0 => head + " | toJSON",
                1 => head + " | default \"d\"",
                _ => head,
            };
        }

        private string Expr(int depth)
        {
            if (depth <= 0)
            {
                return Primary(0);
            }

            return _r.Next(9) switch
            {
                0 => Primary(depth) + " == " + Primary(depth),
                1 => Primary(depth) + " != " + Primary(depth) + " and " + Primary(depth),
                2 => Primary(depth) + " or not " + Primary(depth),
                3 => Primary(depth) + " in .list",
                4 => "eq " + Primary(depth - 1) + " " + Primary(depth - 1),
                5 => "len " + (_r.Next(2) == 0 ? ".list" : ".a"),
                6 => "and " + Primary(depth - 1) + " " + Primary(depth - 1),
                7 => "join .list " + Literal(),
                _ => Primary(depth),
            };
        }

        private string Primary(int depth) => _r.Next(depth > 0 ? 9 : 7) switch
        {
            0 => Literal(),
            1 => ".a",
            2 => ".n",
            3 => ".m.k",
            4 => "$v0",
            5 => _r.Next(2) == 0 ? "true" : "null",
            6 => (_r.NextDouble() * 100 - 50).ToString("0.###", CultureInfo.InvariantCulture),
            7 => "(" + Expr(depth - 1) + ")",
            _ => "[" + Primary(depth - 1) + ", " + Literal() + "]",
        };

        private string Literal()
        {
            var text = Text(_r, 6);
            var sb = new StringBuilder(_r.Next(2) == 0 ? "'" : "\"");
            var quote = sb[0];
            foreach (var c in text)
            {
                sb.Append(c switch
                {
                    '\n' => "\\n",
                    '\t' => "\\t",
                    '\\' => "\\\\",
                    _ when c == quote => "\\" + c,
                    _ => c.ToString(),
                });
            }

            return sb.Append(quote).ToString();
        }
    }
}
