namespace Fanout.Server;

/// <summary>How <c>fanout serve</c> runs (SPEC A). Plain options with documented defaults, validated once by <see cref="Validate"/>.</summary>
public sealed record ServerOptions
{
    /// <summary>The URLs Kestrel listens on. The default value is <c>http://127.0.0.1:8080</c> (loopback only).</summary>
    public IReadOnlyList<string> Urls { get; init; } = ["http://127.0.0.1:8080"];

    /// <summary>
    /// Makes the server a silo of the store's cluster (<c>fanout serve --role api|all</c>, docs/scale-out.md): the targets of
    /// its runs are leased to the cluster's workers. <see langword="null"/> (the default) runs everything in this process.
    /// </summary>
    internal Fanout.Cluster.Hosting.ClusterSettings? Cluster { get; init; }

    /// <summary>Inventory sources targets are resolved from (SPEC T2–T4). The default value is none (an empty inventory).</summary>
    public IReadOnlyList<string> InventorySources { get; init; } = [];

    /// <summary>The most targets one batch may have (SPEC A1). The default value is 1,000.</summary>
    public int MaxTargetsPerBatch { get; init; } = 1000;

    /// <summary>How many accepted batches may wait for a slot before new ones get 429 (SPEC A1). The default value is 100.</summary>
    public int QueueCapacity { get; init; } = 100;

    /// <summary>How many batches run at the same time. The default value is 4.</summary>
    public int MaxConcurrentBatches { get; init; } = 4;

    /// <summary>Failed authentications per client IP per minute before further attempts get 429 (SPEC A5). The default value is 10.</summary>
    public int FailedAuthLimitPerMinute { get; init; } = 10;

    /// <summary>The largest <c>pageSize</c> a list or status request may ask for. The default value is 1,000.</summary>
    public int MaxPageSize { get; init; } = 1000;

    /// <summary>The directory <c>GET /api/workflows</c> lists. The default value is <c>./workflows</c>.</summary>
    public string WorkflowsDirectory { get; init; } = "workflows";

    /// <summary>Whether the scheduler loop (SPEC H5) runs inside the server. The default value is true.</summary>
    public bool RunScheduler { get; init; } = true;

    /// <summary>How often schedules are re-read from the store. The default value is 5 seconds.</summary>
    public TimeSpan SchedulerPollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The largest request body, in bytes; larger bodies get 413. The default value is 1 MiB.</summary>
    public long MaxRequestBodyBytes { get; init; } = 1024 * 1024;

    /// <summary>The longest command or script text of a batch, in characters (UTF-16 code units); longer gets 400. The default value is 256 KiB.</summary>
    public int MaxCommandLength { get; init; } = 256 * 1024;

    /// <summary>Origins (<c>scheme://host[:port]</c>) whose browser pages may call the API (CORS). The default value is none: same origin only.</summary>
    public IReadOnlyList<string> AllowedOrigins { get; init; } = [];

    /// <summary>
    /// Extra inventory variable names (case-insensitive substrings) whose values are secret and shown as <c>***</c>, added to the
    /// built-in ones (password, passphrase, secret, token, private key; see <see cref="Inventory.SecretVars"/>). The default value is none.
    /// </summary>
    public IReadOnlyList<string> SecretVarNames { get; init; } = [];

    /// <summary>Whether every workflow approval must come from another caller than the one who started the run (as a workflow's
    /// <c>approval: {distinct_approver: true}</c> asks). The default value is false.</summary>
    public bool RequireDistinctApprover { get; init; }

    /// <summary>Whether an internal error's 500 answer carries its exception (type, message, stack trace) when an admin made the
    /// request (<c>fanout serve --debug</c>); viewers and operators never get it. The default value is false.</summary>
    public bool Debug { get; init; }

    /// <summary>How often an open event stream re-checks its token; the stream ends when the token was revoked or expired. The default value is 10 seconds.</summary>
    public TimeSpan TokenRecheckInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The <c>Content-Security-Policy</c> of HTML answers (the web UI: its scripts, styles and websocket come from the server itself).</summary>
    public string HtmlContentSecurityPolicy { get; init; } =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>How long shutdown waits for running batches to stop and be recorded. The default value is 30 seconds.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a web UI session lasts without a request (sliding expiry). The default value is 30 minutes.</summary>
    public TimeSpan SessionIdleTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Every problem with the options, all at once (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Urls.Count == 0)
        {
            errors.Add("at least one URL is required");
        }

        foreach (string url in Urls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https"))
            {
                errors.Add($"URL '{url}' is not an http:// or https:// URL");
            }
        }

        Check(MaxTargetsPerBatch >= 1, "the target limit must be at least 1");
        Check(QueueCapacity >= 1, "the queue size must be at least 1");
        Check(MaxConcurrentBatches >= 1, "the number of concurrent batches must be at least 1");
        Check(FailedAuthLimitPerMinute >= 1, "the failed-authentication limit must be at least 1");
        Check(MaxPageSize >= 1, "the largest page size must be at least 1");
        Check(MaxRequestBodyBytes >= 1024, "the largest request body must be at least 1024 bytes");
        Check(MaxCommandLength >= 1, "the longest command must be at least 1 character");
        Check(TokenRecheckInterval > TimeSpan.Zero, "the token re-check interval must be positive");
        foreach (string origin in AllowedOrigins)
        {
            Check(Uri.TryCreate(origin, UriKind.Absolute, out Uri? o) && o.Scheme is "http" or "https" && o.AbsolutePath == "/" && origin.TrimEnd('/') == o.GetLeftPart(UriPartial.Authority),
                $"allowed origin '{origin}' is not an origin like https://ui.example.com:8443");
        }

        Check(SchedulerPollInterval > TimeSpan.Zero, "the scheduler poll interval must be positive");
        Check(ShutdownTimeout > TimeSpan.Zero, "the shutdown timeout must be positive");
        Check(SessionIdleTimeout > TimeSpan.Zero, "the session idle timeout must be positive");
        return errors;

        void Check(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add(message);
            }
        }
    }
}
