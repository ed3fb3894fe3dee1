namespace Fanout.Cluster.Membership;

/// <summary>One silo of the cluster as <c>fanout cluster status</c> and <c>GET /api/cluster</c> show it.</summary>
/// <param name="Silo">The silo's address (<c>ip:port@generation</c>).</param>
/// <param name="Name">Its name (<c>host:pid</c> unless given).</param>
/// <param name="Role"><c>worker</c>, <c>api</c> or <c>all</c>.</param>
/// <param name="Status">Orleans membership status: <c>joining</c>, <c>active</c>, <c>shutting-down</c>, <c>stopping</c>, <c>dead</c>.</param>
/// <param name="MaxTargets">Most targets it runs at once.</param>
/// <param name="Running">Targets it runs now (as of <paramref name="UpdatedAt"/>).</param>
/// <param name="Completed">Targets it finished since it started.</param>
/// <param name="Pid">Its process id.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="UpdatedAt">Its last report.</param>
internal sealed record ClusterSilo(
    string Silo,
    string Name,
    string Role,
    string Status,
    int MaxTargets,
    int Running,
    long Completed,
    int Pid,
    DateTimeOffset StartedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>Its labels (<c>fanout worker --labels</c>); none for other silos.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = Fanout.Runs.WorkerLabels.None;
}
