using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Fanout.Cluster.Membership;
using Fanout.Execution;
using Fanout.Runs;
using Fanout.Workflows.Engine;

namespace Fanout.Server.Observability;

/// <summary>
/// The figures <c>/metrics</c> exposes in the Prometheus text format (SPEC A6), all fed by what this server really does:
/// batches by final status, targets by final state, target and batch durations, running targets and batches, the queue
/// depth, open HTTP connections and SSE streams, rejected authentications, the latest workflow metrics (SPEC W16) recorded
/// by the workflow runs this server started, and the workflow steps waiting for approval.
/// </summary>
internal sealed class ServerMetrics
{
    private static readonly double[] DurationBounds = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800];
    private readonly ConcurrentDictionary<string, long> _runs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _targets = new(StringComparer.Ordinal);
    private readonly Histogram _targetDuration = new("fanout_target_duration_seconds", "Duration of finished target executions.", DurationBounds);
    private readonly Histogram _batchDuration = new("fanout_batch_duration_seconds", "Duration of finished batches, from start to end.", DurationBounds);
    private long _targetsRunning;
    private long _batchesRunning;
    private long _connections;
    private long _streams;
    private long _authFailures;
    private readonly ConcurrentDictionary<(string Name, string Labels), RunMetricRecord> _workflow = new();

    /// <summary>Reads the queue depth when metrics are rendered.</summary>
    public Func<int> QueueDepth { get; set; } = () => 0;

    /// <summary>Reads the number of workflow steps waiting for approval when metrics are rendered.</summary>
    public Func<int> ApprovalsPending { get; set; } = () => 0;

    /// <summary>Leases lost with their worker (clustered servers only; <see langword="null"/> renders nothing).</summary>
    public Func<long>? ClusterLeasesLost { get; set; }

    /// <summary>Worker reports that answered no lease waiting for them, dropped by the coordinator (clustered servers only).</summary>
    public Func<long>? ClusterStaleReportsRejected { get; set; }

    /// <summary>The cluster's silos, rendered as per-silo series (clustered servers only; <see langword="null"/> renders nothing).</summary>
    public SiloReadings? ClusterSilos { get; set; }

    /// <summary>PostgreSQL NOTIFY messages of run changes received (PostgreSQL stores only; <see langword="null"/> renders nothing).</summary>
    public Func<long>? StoreNotifications { get; set; }

    /// <summary>Keeps the metric values a finished workflow run recorded: counters add up across runs, gauges keep the latest value.</summary>
    public void WorkflowMetricsRecorded(IReadOnlyList<RunMetricRecord> metrics)
    {
        foreach (RunMetricRecord metric in metrics)
        {
            string name = PrometheusName(metric.Name);
            if (IsBuiltIn(name))
            {
                // A workflow metric may not shadow one of the server's own families (two # TYPE blocks): it is prefixed.
                name = "workflow_" + name;
            }

            _workflow.AddOrUpdate((name, metric.Labels), metric with { Name = name }, (_, old) =>
                metric.Type == "counter" && old.Type == "counter" ? old with { Value = old.Value + metric.Value } : metric with { Name = name });
        }
    }

    /// <summary>The metric families the server renders itself; workflow metrics of these names are prefixed with <c>workflow_</c>.</summary>
    public static readonly IReadOnlySet<string> BuiltInNames = new HashSet<string>(StringComparer.Ordinal)
    {
        "fanout_runs_total", "fanout_targets_total", "fanout_target_duration_seconds", "fanout_batch_duration_seconds", "fanout_targets_running",
        "fanout_batches_running", "fanout_queue_depth", "fanout_http_connections_open", "fanout_sse_streams_open", "fanout_auth_failures_total",
        "fanout_approvals_pending", "fanout_cluster_leases_lost_total", "fanout_cluster_stale_reports_rejected_total", "fanout_cluster_silos_read_age_seconds",
        "fanout_cluster_silo_up", "fanout_cluster_worker_running", "fanout_cluster_worker_max_targets", "fanout_cluster_worker_completed_total",
        "fanout_store_notifications_total",
    };

    private static bool IsBuiltIn(string name) =>
        BuiltInNames.Contains(name)
        || ((name.EndsWith("_bucket", StringComparison.Ordinal) || name.EndsWith("_sum", StringComparison.Ordinal) || name.EndsWith("_count", StringComparison.Ordinal))
            && BuiltInNames.Contains(name[..name.LastIndexOf('_')]));

    public void TargetStarted() => Interlocked.Increment(ref _targetsRunning);

    public void TargetFinished(TargetOutcome outcome, bool wasRunning)
    {
        if (wasRunning)
        {
            Interlocked.Decrement(ref _targetsRunning);
        }

        _targets.AddOrUpdate(outcome.State.ToWireName(), 1, (_, n) => n + 1);
        if (outcome.State is not (TargetState.NotRun or TargetState.Skipped))
        {
            _targetDuration.Observe(outcome.Duration.TotalSeconds);
        }
    }

    public void BatchStarted() => Interlocked.Increment(ref _batchesRunning);

    public void BatchFinished(RunStatus status, TimeSpan duration, bool started)
    {
        if (started)
        {
            Interlocked.Decrement(ref _batchesRunning);
        }

        _runs.AddOrUpdate(status.ToWireName(), 1, (_, n) => n + 1);
        _batchDuration.Observe(duration.TotalSeconds);
    }

    /// <summary>Corrects the running-target gauge for targets that were running when their batch ended without a finish event.</summary>
    public void TargetsAbandoned(int count) => Interlocked.Add(ref _targetsRunning, -count);

    public void ConnectionOpened() => Interlocked.Increment(ref _connections);

    public void ConnectionClosed() => Interlocked.Decrement(ref _connections);

    public void StreamOpened() => Interlocked.Increment(ref _streams);

    public void StreamClosed() => Interlocked.Decrement(ref _streams);

    public void AuthFailed() => Interlocked.Increment(ref _authFailures);

    /// <summary>Reads the cluster's silos if they are due (<see cref="SiloReadings.RefreshInterval"/>), then renders.</summary>
    public async Task<string> RenderAsync(CancellationToken cancellationToken)
    {
        if (ClusterSilos is { } silos)
        {
            await silos.RefreshAsync(cancellationToken).ConfigureAwait(false);
        }

        return Render();
    }

    public string Render()
    {
        var text = new StringBuilder(2048);
        Labelled(text, "fanout_runs_total", "Batches (runs) finished by this server, by final status.", "status", _runs);
        Labelled(text, "fanout_targets_total", "Target executions finished by this server, by final state.", "state", _targets);
        _targetDuration.WriteTo(text);
        _batchDuration.WriteTo(text);
        Gauge(text, "fanout_targets_running", "Target executions running now.", Interlocked.Read(ref _targetsRunning));
        Gauge(text, "fanout_batches_running", "Batches running now.", Interlocked.Read(ref _batchesRunning));
        Gauge(text, "fanout_queue_depth", "Accepted batches waiting for a slot.", QueueDepth());
        Gauge(text, "fanout_http_connections_open", "Open HTTP connections to the server.", Interlocked.Read(ref _connections));
        Gauge(text, "fanout_sse_streams_open", "Open Server-Sent Events streams.", Interlocked.Read(ref _streams));
        text.Append("# HELP fanout_auth_failures_total Requests rejected for a missing, unknown or revoked token.\n# TYPE fanout_auth_failures_total counter\n");
        text.Append(CultureInfo.InvariantCulture, $"fanout_auth_failures_total {Interlocked.Read(ref _authFailures)}\n");
        Gauge(text, "fanout_approvals_pending", "Workflow steps waiting for manual approval.", ApprovalsPending());
        if (ClusterLeasesLost is { } lost)
        {
            text.Append("# HELP fanout_cluster_leases_lost_total Target leases whose worker was lost; those targets ran again on another worker.\n# TYPE fanout_cluster_leases_lost_total counter\n");
            text.Append(CultureInfo.InvariantCulture, $"fanout_cluster_leases_lost_total {lost()}\n");
        }

        if (ClusterStaleReportsRejected is { } stale)
        {
            text.Append("# HELP fanout_cluster_stale_reports_rejected_total Worker reports that answered no lease waiting for them (withdrawn, superseded or already reported), dropped by the coordinator.\n# TYPE fanout_cluster_stale_reports_rejected_total counter\n");
            text.Append(CultureInfo.InvariantCulture, $"fanout_cluster_stale_reports_rejected_total {stale()}\n");
        }

        if (ClusterSilos is { } clusterSilos)
        {
            WriteSilos(text, clusterSilos.Current, clusterSilos.Age);
        }

        if (StoreNotifications is { } notifications)
        {
            text.Append("# HELP fanout_store_notifications_total PostgreSQL notifications of run changes received; they wake the followers of runs other processes execute.\n# TYPE fanout_store_notifications_total counter\n");
            text.Append(CultureInfo.InvariantCulture, $"fanout_store_notifications_total {notifications()}\n");
        }

        foreach (IGrouping<string, RunMetricRecord> family in _workflow.Values.GroupBy(m => m.Name, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            // A recorded "histogram" is one observed value per run, exposed as the latest value (a gauge).
            string type = family.All(m => m.Type == "counter") ? "counter" : "gauge";
            text.Append(CultureInfo.InvariantCulture, $"# HELP {family.Key} Workflow metric recorded by workflow runs (latest value per label set).\n# TYPE {family.Key} {type}\n");
            foreach (RunMetricRecord m in family.OrderBy(m => m.Labels, StringComparer.Ordinal))
            {
                text.Append(CultureInfo.InvariantCulture, $"{family.Key}{LabelText(m.Labels)} {m.Value.ToString("R", CultureInfo.InvariantCulture)}\n");
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// The per-silo series of a clustered server: <c>fanout_cluster_silo_up</c> for every silo shown (1 active, 0 otherwise),
    /// and for silos that run targets (role <c>worker</c> or <c>all</c>) and are not dead, their running targets, their
    /// <c>--max-targets</c> and the targets they completed since they started. <paramref name="age"/>: how long ago the silos were read
    /// from the store (<see langword="null"/>: never — no series at all).
    /// </summary>
    internal static void WriteSilos(StringBuilder text, IReadOnlyList<ClusterSilo> silos, TimeSpan? age)
    {
        if (age is not { } read)
        {
            return;
        }

        text.Append("# HELP fanout_cluster_silos_read_age_seconds Seconds since the fanout_cluster_silo_* and fanout_cluster_worker_* series were read from the store (they keep their last values while it is unavailable).\n# TYPE fanout_cluster_silos_read_age_seconds gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"fanout_cluster_silos_read_age_seconds {Math.Max(0, read.TotalSeconds).ToString("0.###", CultureInfo.InvariantCulture)}\n");
        text.Append("# HELP fanout_cluster_silo_up Silos of the cluster: 1 while active in Orleans' membership, 0 once joining, shutting down or dead (dropped 10 minutes after their last report).\n# TYPE fanout_cluster_silo_up gauge\n");
        foreach (ClusterSilo silo in silos)
        {
            text.Append(CultureInfo.InvariantCulture, $"fanout_cluster_silo_up{SiloLabels(silo)} {(silo.Status == "active" ? 1 : 0)}\n");
        }

        List<ClusterSilo> workers = [.. silos.Where(s => s.Role is "worker" or "all" && s.Status != "dead")];
        WorkerFamily(text, workers, "fanout_cluster_worker_running", "gauge", "Targets a worker silo runs now (as of its last report, every 2 seconds).", s => s.Running);
        WorkerFamily(text, workers, "fanout_cluster_worker_max_targets", "gauge", "Most targets a worker silo runs at once (its --max-targets).", s => s.MaxTargets);
        WorkerFamily(text, workers, "fanout_cluster_worker_completed_total", "counter", "Targets a worker silo finished since it started (as of its last report).", s => s.Completed);
    }

    private static void WorkerFamily(StringBuilder text, List<ClusterSilo> workers, string name, string type, string help, Func<ClusterSilo, long> value)
    {
        text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n");
        foreach (ClusterSilo silo in workers)
        {
            text.Append(CultureInfo.InvariantCulture, $"{name}{SiloLabels(silo)} {value(silo)}\n");
        }
    }

    private static string SiloLabels(ClusterSilo silo) =>
        $"{{silo=\"{EscapeLabelValue(silo.Silo)}\",name=\"{EscapeLabelValue(silo.Name)}\",role=\"{EscapeLabelValue(silo.Role)}\"}}";

    /// <summary>A label value as the Prometheus text format wants it: backslash, double quote and line feed escaped.</summary>
    public static string EscapeLabelValue(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static void Labelled(StringBuilder text, string name, string help, string label, ConcurrentDictionary<string, long> values)
    {
        text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} counter\n");
        foreach ((string key, long value) in values.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"{name}{{{label}=\"{key}\"}} {value}\n");
        }
    }

    /// <summary>A valid Prometheus metric name: characters outside [a-zA-Z0-9_:] become '_', a leading digit gets a '_'.</summary>
    public static string PrometheusName(string name)
    {
        var clean = new StringBuilder(name.Length + 1);
        foreach (char c in name)
        {
            clean.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or ':' ? c : '_');
        }

        if (clean.Length == 0 || char.IsAsciiDigit(clean[0]))
        {
            clean.Insert(0, '_');
        }

        return clean.ToString();
    }

    /// <summary><c>a=1,b=x</c> → <c>{a="1",b="x"}</c> with label names cleaned and values escaped.</summary>
    private static string LabelText(string labels)
    {
        if (string.IsNullOrEmpty(labels))
        {
            return string.Empty;
        }

        IEnumerable<string> pairs = labels.Split(',').Select(pair =>
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            string key = PrometheusName(eq < 0 ? pair : pair[..eq]).Replace(":", "_", StringComparison.Ordinal);
            string value = eq < 0 ? string.Empty : pair[(eq + 1)..];
            value = EscapeLabelValue(value);
            return $"{key}=\"{value}\"";
        });
        return "{" + string.Join(',', pairs) + "}";
    }

    private static void Gauge(StringBuilder text, string name, string help, long value) =>
        text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n");
}
