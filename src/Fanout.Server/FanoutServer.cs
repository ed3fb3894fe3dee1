using Fanout.Cluster.Coordination;
using Fanout.Cluster.Dispatch;
using Fanout.Cluster.Hosting;
using Fanout.Cluster.Membership;
using Fanout.Runs;
using Fanout.Security;
using Fanout.Server.Audit;
using Fanout.Server.Auth;
using Fanout.Server.Batches;
using Fanout.Server.Cluster;
using Fanout.Server.Http;
using Fanout.Server.Inventory;
using Fanout.Server.Observability;
using Fanout.Server.Runs;
using Fanout.Server.Schedules;
using Fanout.Server.Tokens;
using Fanout.Server.Ui;
using Fanout.Server.Workflows;
using Fanout.Storage;
using Microsoft.AspNetCore.Hosting;

namespace Fanout.Server;

/// <summary>
/// Builds the <c>fanout serve</c> web application (SPEC A): the REST batch API, SSE, auth, audit, metrics and the scheduler
/// loop, over one <see cref="IRunStore"/> shared with the CLI. Kestrel reads its standard configuration as well (e.g.
/// <c>Kestrel__Certificates__Default__Path</c> for TLS with an <c>https://</c> URL); see docs/api.md.
/// </summary>
public static class FanoutServer
{
    /// <summary>Creates the application; run it with <c>RunAsync</c>, or <c>StartAsync</c>/<c>StopAsync</c> in tests.</summary>
    /// <param name="options">The server options.</param>
    /// <param name="store">The store (<see cref="StoreFactory"/>): runs, workflow tables, tokens and audit. Not disposed by the server.</param>
    /// <param name="timeProvider">The clock. The default value is <see cref="TimeProvider.System"/>.</param>
    /// <param name="configure">Last-moment changes to the builder (tests use it for logging).</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static WebApplication Build(ServerOptions options, IFanoutStore store, TimeProvider? timeProvider = null, Action<WebApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        IReadOnlyList<string> problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }

        ITokenStore tokens = store.Tokens;
        IAuditStore audit = store.Audit;

        TimeProvider time = timeProvider ?? TimeProvider.System;
        var metrics = new ServerMetrics();
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = Environment.CurrentDirectory });
        builder.WebHost.UseUrls([.. options.Urls]);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen => listen.Use(next => async connection =>
        {
            metrics.ConnectionOpened();
            try
            {
                await next(connection);
            }
            finally
            {
                metrics.ConnectionClosed();
            }
        })));
        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(json =>
        {
            json.IncludeScopes = true;
            json.UseUtcTimestamp = true;
            json.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
        });

        // ASP.NET Core's request lines carry the raw query string (credentials sent in a URL); RequestLog writes them redacted.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = options.ShutdownTimeout);
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never;
            json.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict; // numbers are numbers (and so in the OpenAPI)
        });
        builder.Services.AddSingleton<IProblemDetailsWriter, ProblemWriter>();
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi(openApi =>
        {
            openApi.AddDocumentTransformer(OpenApiContract.DescribeDocumentAsync);
            openApi.AddOperationTransformer(JsonRequestBody.DescribeAsync);
            openApi.AddOperationTransformer(OpenApiContract.DescribeOperationAsync);
            openApi.AddSchemaTransformer(OpenApiContract.DescribeSchemaAsync);
        });
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton(metrics);
        builder.Services.AddSingleton<IRunStore>(store);
        builder.Services.AddSingleton(tokens);
        builder.Services.AddSingleton(audit);
        builder.Services.AddSingleton(sp => new RunService(timeProvider: time, logger: sp.GetRequiredService<ILoggerFactory>().CreateLogger("Fanout.Runs"), store: store));
        builder.Services.AddSingleton<InventoryCache>();
        builder.Services.AddSingleton<SecretVars>();
        builder.Services.AddSingleton<ServerPaths>();
        builder.Services.AddSingleton<FailedAuthLimiter>();
        builder.Services.AddSingleton<AuditLog>();
        if (options.Cluster is { } cluster)
        {
            builder.AddFanoutSilo(cluster);
            builder.Services.AddSingleton<IRunLauncher, ClusterRunLauncher>();
            builder.Services.AddSingleton<SiloReadings>();
        }
        else
        {
            builder.Services.AddSingleton<IRunDistributor, LocalRunDistributor>();
            builder.Services.AddSingleton<IRunCoordination, LocalRunCoordination>();
        }

        builder.Services.AddSingleton<BatchQueue>();
        builder.Services.AddSingleton<BatchStatusReader>();
        builder.Services.AddSingleton(sp => RunChanges.For(store, time, sp.GetRequiredService<ILoggerFactory>().CreateLogger("Fanout.Store")));
        builder.Services.AddSingleton<BatchEventStream>();
        builder.Services.AddSingleton<ServerScheduleLauncher>();
        // One scheduler per server: its loop (when RunScheduler) and "run now" (POST /api/schedules/{name}/run) share its overlap rule.
        builder.Services.AddSingleton(sp => new Scheduler(store, sp.GetRequiredService<ServerScheduleLauncher>(), time,
            new SchedulerOptions { PollInterval = options.SchedulerPollInterval }, sp.GetRequiredService<ILogger<Scheduler>>()));
        builder.Services.AddSingleton<WorkflowRunService>();
        builder.Services.AddSingleton<ExecutionList>();
        builder.Services.AddSingleton<ExecutionFeed>();
        UiEndpoints.AddUi(builder.Services);
        // Start order = stop order reversed: the audit writer starts first and stops last, after the queue has drained.
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AuditLog>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BatchQueue>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WorkflowRunService>());
        if (options.RunScheduler)
        {
            builder.Services.AddHostedService<SchedulerService>();
        }

        Tracing.AddIfConfigured(builder.Services, Environment.GetEnvironmentVariable);
        configure?.Invoke(builder);
        WebApplication app = builder.Build();
        if (app.Services.GetService<ClusterMetrics>() is { } clusterMetrics)
        {
            metrics.ClusterLeasesLost = () => clusterMetrics.LostLeases; // fanout_cluster_leases_lost_total, while clustered
            metrics.ClusterStaleReportsRejected = () => clusterMetrics.StaleReportsRejected; // fanout_cluster_stale_reports_rejected_total
            metrics.ClusterSilos = app.Services.GetRequiredService<SiloReadings>(); // fanout_cluster_silo_up, fanout_cluster_worker_*
        }

        if (app.Services.GetRequiredService<RunChanges>() is PostgresRunChanges notified)
        {
            metrics.StoreNotifications = () => notified.Received; // fanout_store_notifications_total, PostgreSQL stores only
        }

        app.UseMiddleware<RequestLog>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<BrowserSafety>();
        app.UseMiddleware<AuthMiddleware>();
        app.UseAntiforgery();
        app.UseMiddleware<RequestGuard>();
        app.Use(async (context, next) =>
        {
            // Every log entry of a batch request carries its batch id (SPEC A6).
            if (context.Request.RouteValues.TryGetValue("id", out object? id) && id is string batchId)
            {
                using IDisposable? scope = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Fanout.Server")
                    .BeginScope("Batch {BatchId}", batchId);
                await next(context);
                return;
            }

            await next(context);
        });
        MapEndpoints(app);
        return app;
    }

    private static void MapEndpoints(WebApplication app)
    {
        app.MapGet("/healthz", Health.CheckAsync).AllowAnonymous().WithTags("Health").WithName("Health").Produces<HealthDocument>();
        app.MapGet("/metrics", async (ServerMetrics metrics, CancellationToken cancellationToken) =>
                Results.Text(await metrics.RenderAsync(cancellationToken), "text/plain; version=0.0.4; charset=utf-8"))
            .WithTags("Health").WithName("Metrics").WithMetadata(new RequiresRoleAttribute(ApiRole.Viewer));
        app.MapOpenApi().WithMetadata(new RequiresRoleAttribute(ApiRole.Viewer));
        BatchEndpoints.Map(app);
        InventoryEndpoints.Map(app);
        RunEndpoints.Map(app);
        TargetOutputEndpoints.Map(app);
        ScheduleEndpoints.Map(app);
        WorkflowEndpoints.Map(app);
        WorkflowRunEndpoints.Map(app);
        BreakerEndpoints.Map(app);
        TokenEndpoints.Map(app);
        AuditEndpoints.Map(app);
        ExecutionList.Map(app);
        ExecutionFeed.Map(app);
        ApprovalList.Map(app);
        ClusterEndpoints.Map(app);
        app.MapGet("/api/me", (HttpContext http) => Results.Ok(new MeDocument(Caller.Of(http).Name, Caller.Of(http).Role.ToWireName())))
            .WithTags("Auth").WithName("GetMe").Produces<MeDocument>().WithMetadata(new RequiresRoleAttribute(ApiRole.Viewer));
        UiEndpoints.Map(app);
    }
}

/// <summary><c>GET /api/me</c>: who the caller is (token name) and its role.</summary>
internal sealed record MeDocument(string Name, string Role);
