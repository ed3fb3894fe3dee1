using Fanout.Runs;

namespace Fanout.Core.Tests.Runs;

public sealed class WorkerLabelsTests
{
    [Fact]
    public void Parse_SortsAndTrims_AndFormatRoundTrips()
    {
        IReadOnlyDictionary<string, string> labels = WorkerLabels.Parse(" zone=dmz , gpu=a100,team/net=ops ");
        Assert.Equal("gpu=a100,team/net=ops,zone=dmz", WorkerLabels.Format(labels));
        Assert.Equal(labels, WorkerLabels.Parse(WorkerLabels.Format(labels)));
        Assert.Equal(string.Empty, WorkerLabels.Format(null));
    }

    [Theory]
    [InlineData("zone", "'zone' is not key=value")]
    [InlineData("zone=", "label value '' of 'zone'")]
    [InlineData("=dmz", "label key ''")]
    [InlineData("zone=a,zone=b", "label 'zone' is given twice")]
    [InlineData("-zone=a", "label key '-zone'")]
    [InlineData("zone=d m z", "label value 'd m z'")]
    [InlineData("", "'' is not key=value")]
    public void Parse_RefusesMalformedLabels_NamingThem(string text, string message)
    {
        FormatException e = Assert.Throws<FormatException>(() => WorkerLabels.Parse(text));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Satisfies_NeedsEveryWantedLabelWithTheSameValue()
    {
        IReadOnlyDictionary<string, string> worker = WorkerLabels.Parse("zone=dmz,tier=edge");
        Assert.True(WorkerLabels.Satisfies(worker, null));
        Assert.True(WorkerLabels.Satisfies(worker, WorkerLabels.Parse("zone=dmz")));
        Assert.True(WorkerLabels.Satisfies(worker, WorkerLabels.Parse("tier=edge,zone=dmz")));
        Assert.False(WorkerLabels.Satisfies(worker, WorkerLabels.Parse("zone=core")));
        Assert.False(WorkerLabels.Satisfies(worker, WorkerLabels.Parse("zone=dmz,gpu=yes")));
        Assert.False(WorkerLabels.Satisfies(WorkerLabels.None, WorkerLabels.Parse("zone=dmz")));
        Assert.False(WorkerLabels.Satisfies(worker, WorkerLabels.Parse("zone=DMZ")));
    }

    [Fact]
    public void RunDefinition_KeepsWorkerLabels_ThroughJson()
    {
        RunDefinition d = RunDefinition.ForCommandLine("true") with { WorkerLabels = WorkerLabels.Parse("zone=dmz") };
        Assert.Equal("dmz", RunDefinition.FromJson(d.ToJson()).WorkerLabels!["zone"]);
        Assert.Null(RunDefinition.FromJson(RunDefinition.ForCommandLine("true").ToJson()).WorkerLabels);
        Assert.DoesNotContain("workerLabels", RunDefinition.ForCommandLine("true").ToJson(), StringComparison.Ordinal);
    }
}
