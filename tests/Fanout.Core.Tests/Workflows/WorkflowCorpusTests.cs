using Fanout.Diagnostics;
using Fanout.Workflows.Validation;

namespace Fanout.Core.Tests.Workflows;

/// <summary>
/// Every file in Workflows/Corpus is a malformed workflow whose leading <c># expect: LINE:COL severity: message</c>
/// lines list the diagnostics it must produce. Every expected diagnostic must be reported, and no other error.
/// </summary>
public sealed class WorkflowCorpusTests
{
    private static readonly string CorpusDirectory = Path.Combine(AppContext.BaseDirectory, "Workflows", "Corpus");

    public static TheoryData<string> CorpusFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(CorpusDirectory, "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Fact]
    public void Corpus_HasAtLeastFortyFiles()
    {
        Assert.True(CorpusFiles().Count >= 40);
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Validate_MalformedWorkflow_ReportsExpectedDiagnostics(string fileName)
    {
        // Arrange
        var text = File.ReadAllText(Path.Combine(CorpusDirectory, fileName));
        var expected = text.Split('\n')
            .TakeWhile(l => l.StartsWith("# expect: ", StringComparison.Ordinal))
            .Select(l => l["# expect: ".Length..].TrimEnd('\r'))
            .ToList();
        Assert.NotEmpty(expected);

        // Act
        var result = WorkflowValidator.ValidateText(text, fileName);
        var actual = result.Diagnostics
            .Select(d => $"{d.Position.Line}:{d.Position.Column} {(d.IsError ? "error" : "warning")}: {d.Message}")
            .ToList();
        if (Environment.GetEnvironmentVariable("FANOUT_DUMP_CORPUS") is { } dump)
        {
            File.AppendAllLines(dump, actual.Select(a => fileName + " | " + a));
        }

        // Assert
        var report = string.Join("\n", actual);
        foreach (var e in expected)
        {
            Assert.True(actual.Contains(e), $"missing: {e}\nactual:\n{report}");
        }

        var unexpectedErrors = result.Diagnostics.Where(d => d.IsError)
            .Select(d => $"{d.Position.Line}:{d.Position.Column} error: {d.Message}")
            .Except(expected)
            .ToList();
        Assert.True(unexpectedErrors.Count == 0, "unexpected errors:\n" + string.Join("\n", unexpectedErrors));
        Assert.True(result.HasErrors || expected.All(e => e.Contains(" warning: ", StringComparison.Ordinal)));
        Assert.All(result.Diagnostics, d => Assert.Equal(fileName, d.Position.File));
    }
}
