using System.CommandLine;
using System.Text.RegularExpressions;

namespace Fanout.Cli.Tests.Commands;

/// <summary>
/// The docs and <c>--help</c> are checked against each other: every command and every option the executable accepts is
/// documented under docs/ (or the README), and every command the CLI reference's command table names exists.
/// </summary>
public sealed partial class DocsAgreeWithHelpTests
{
    private static readonly string Root = FindRepositoryRoot();
    private static readonly string Docs = string.Join('\n', Directory.GetFiles(Path.Combine(Root, "docs"), "*.md").Append(Path.Combine(Root, "README.md")).Select(File.ReadAllText));
    private static readonly HashSet<string> Builtin = new(StringComparer.Ordinal) { "--help", "-h", "-?", "/?", "/h", "--version" };

    public static TheoryData<string> Commands()
    {
        var data = new TheoryData<string>();
        foreach ((string path, _) in Walk(CreateRoot(), "fanout"))
        {
            data.Add(path);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void EveryCommandAndOption_IsDocumented(string path)
    {
        Command command = Walk(CreateRoot(), "fanout").Single(c => c.Path == path).Command;
        var missing = new List<string>();
        if (path != "fanout" && !Docs.Contains(path, StringComparison.Ordinal))
        {
            missing.Add($"the command '{path}'");
        }

        foreach (Option option in command.Options.Where(o => !o.Hidden && !Builtin.Contains(o.Name)))
        {
            if (!Regex.IsMatch(Docs, $@"(?<![\w-]){Regex.Escape(option.Name)}(?![\w-])", RegexOptions.None, TimeSpan.FromSeconds(5)))
            {
                missing.Add($"its option {option.Name}");
            }
        }

        Assert.True(missing.Count == 0, $"{path}: not in docs/*.md or README.md: {string.Join(", ", missing)}");
    }

    [Fact]
    public void EveryCommandTheCliReferenceNames_Exists()
    {
        var names = CreateRoot().Subcommands.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        string table = File.ReadAllText(Path.Combine(Root, "docs", "cli.md"));
        var unknown = CommandInTable().Matches(table).Select(m => m.Groups[1].Value).Where(n => !names.Contains(n)).Distinct().ToList();
        Assert.True(unknown.Count == 0, $"docs/cli.md names commands the executable does not have: {string.Join(", ", unknown)}");
    }

    private static Command CreateRoot() => FanoutApp.CreateRootCommand(new CliContext { Console = new TestConsoleOutput() });

    private static IEnumerable<(string Path, Command Command)> Walk(Command command, string path)
    {
        yield return (path, command);
        foreach (Command sub in command.Subcommands.Where(c => !c.Hidden))
        {
            foreach ((string, Command) nested in Walk(sub, $"{path} {sub.Name}"))
            {
                yield return nested;
            }
        }
    }

    private static string FindRepositoryRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "Fanout.slnx")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        return dir ?? throw new InvalidOperationException($"Fanout.slnx not found above {AppContext.BaseDirectory}");
    }

    // `fanout NAME` at the start of a cell of the command table.
    [GeneratedRegex(@"^\| `fanout ([a-z][a-z-]*)", RegexOptions.Multiline)]
    private static partial Regex CommandInTable();
}
