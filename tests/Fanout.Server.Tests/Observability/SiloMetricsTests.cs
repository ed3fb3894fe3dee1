using System.Text;
using Fanout.Cluster.Membership;
using Fanout.Server.Observability;

namespace Fanout.Server.Tests.Observability;

/// <summary>
/// The per-silo series of a clustered server's <c>/metrics</c> (issue 15 item 5): label values escaped, and a bounded set of
/// silos. The series of a real cluster are proven with real processes in Fanout.Storage.Tests ClusterTests.Metrics.
/// </summary>
public sealed class SiloMetricsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 3, 0, 0, TimeSpan.Zero);

    private static ClusterSilo Silo(string silo, string name, string role, string status, DateTimeOffset updated, int running = 0, int max = 16, long completed = 0) =>
        new(silo, name, role, status, max, running, completed, 42, Now.AddHours(-1), updated);

    [Fact]
    public void LabelValues_AreEscaped_BackslashQuoteAndNewline()
    {
        Assert.Equal("a\\\\b\\\"c\\nd", ServerMetrics.EscapeLabelValue("a\\b\"c\nd"));
        Assert.Equal("plain:1@2", ServerMetrics.EscapeLabelValue("plain:1@2"));

        var text = new StringBuilder();
        ServerMetrics.WriteSilos(text, [Silo("10.0.0.1:11111@1", "host\"x\\y\nz:7", "worker", "active", Now, running: 3, max: 8, completed: 9)], TimeSpan.FromSeconds(1.5));
        string labels = "{silo=\"10.0.0.1:11111@1\",name=\"host\\\"x\\\\y\\nz:7\",role=\"worker\"}";
        string[] lines = text.ToString().Split('\n');
        Assert.Contains("fanout_cluster_silo_up" + labels + " 1", lines);
        Assert.Contains("fanout_cluster_worker_running" + labels + " 3", lines);
        Assert.Contains("fanout_cluster_worker_max_targets" + labels + " 8", lines);
        Assert.Contains("fanout_cluster_worker_completed_total" + labels + " 9", lines);
        Assert.Contains("fanout_cluster_silos_read_age_seconds 1.5", lines);
        Assert.Contains("# TYPE fanout_cluster_worker_completed_total counter", lines);
    }

    [Fact]
    public void Series_ApiSilosHaveNoWorkerSeries_DeadSilosAreDown_NeverReadMeansNoSeries()
    {
        var text = new StringBuilder();
        ServerMetrics.WriteSilos(text, [Silo("a:1@1", "api", "api", "active", Now), Silo("w:1@1", "gone", "worker", "dead", Now), Silo("x:1@1", "both", "all", "active", Now, max: 4)], TimeSpan.Zero);
        string[] lines = text.ToString().Split('\n');
        Assert.Contains("fanout_cluster_silo_up{silo=\"a:1@1\",name=\"api\",role=\"api\"} 1", lines);
        Assert.Contains("fanout_cluster_silo_up{silo=\"w:1@1\",name=\"gone\",role=\"worker\"} 0", lines);
        Assert.Contains("fanout_cluster_worker_max_targets{silo=\"x:1@1\",name=\"both\",role=\"all\"} 4", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("fanout_cluster_worker_", StringComparison.Ordinal) && (l.Contains("\"api\"", StringComparison.Ordinal) || l.Contains("\"gone\"", StringComparison.Ordinal)));

        var never = new StringBuilder();
        ServerMetrics.WriteSilos(never, [], null);
        Assert.Equal("", never.ToString());
    }

    [Fact]
    public void Select_KeepsActiveSilos_DropsGoneOnesAfterTheRetention_AndBoundsTheirNumber()
    {
        var silos = new List<ClusterSilo>
        {
            Silo("a:1@1", "api", "api", "active", Now.AddHours(-3)), // active: always shown, however old its report
            Silo("u:1@1", "unknown", "unknown", "joining", Now), // no cluster_members row yet: not shown
            Silo("d:1@1", "recent", "worker", "dead", Now - SiloReadings.GoneRetention + TimeSpan.FromSeconds(1)),
            Silo("d:2@1", "old", "worker", "dead", Now - SiloReadings.GoneRetention),
        };
        for (int i = 0; i < SiloReadings.MaxGone + 5; i++)
        {
            silos.Add(Silo($"c:{i}@1", $"crash{i:00}", "worker", "dead", Now.AddSeconds(-i)));
        }

        IReadOnlyList<ClusterSilo> shown = SiloReadings.Select(silos, Now);
        Assert.Contains(shown, s => s.Name == "api");
        Assert.DoesNotContain(shown, s => s.Name is "unknown" or "old" or "recent"); // "recent" is older than every crashNN: cut by the bound
        Assert.Equal(SiloReadings.MaxGone, shown.Count(s => s.Status == "dead"));
        Assert.Equal(Enumerable.Range(0, SiloReadings.MaxGone).Select(i => $"crash{i:00}"), shown.Where(s => s.Status == "dead").Select(s => s.Name));

        Assert.Contains(SiloReadings.Select(silos.Take(4).ToList(), Now), s => s.Name == "recent");
    }
}
