using System.Globalization;
using System.Text;
using Fanout.Cluster.Hosting;
using Fanout.Cluster.Workers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fanout.Cli.Commands;

/// <summary>
/// <c>fanout worker --metrics-urls http://ADDRESS:PORT</c>: the worker's own <c>GET /metrics</c> (Prometheus text format) for
/// operators who scrape each machine — the targets it runs now, its <c>--max-targets</c> and the targets it finished since it
/// started, straight from its runtime (no store read). No authentication: bind it to a trusted address.
/// </summary>
internal static class WorkerMetricsEndpoint
{
    /// <summary>The URLs, or the error naming the bad one: each must be <c>http://HOST:PORT</c> without a path.</summary>
    public static (string[]? Urls, string? Error) Parse(string[] given)
    {
        string[] urls = [.. given.SelectMany(u => u.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
        if (urls.Length == 0)
        {
            return (null, "--metrics-urls needs at least one URL");
        }

        foreach (string url in urls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || uri.Scheme != "http" || uri.AbsolutePath != "/" || uri.Query.Length > 0)
            {
                return (null, $"--metrics-urls '{url}' is not an http://HOST:PORT URL");
            }
        }

        return (urls, null);
    }

    /// <summary>Starts listening; throws <see cref="IOException"/> when an address cannot be bound.</summary>
    public static async Task<WebApplication> StartAsync(string[] urls, ClusterSettings settings, Func<WorkerRuntime?> runtime, CancellationToken ct)
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().UseUrls(urls);
        builder.Services.AddRoutingCore();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        WebApplication app = builder.Build();
        app.MapGet("/metrics", () => Results.Text(Render(settings, runtime()), "text/plain; version=0.0.4; charset=utf-8"));
        try
        {
            await app.StartAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return app;
    }

    /// <summary>The worker's series; before its silo has started, running and completed are 0.</summary>
    internal static string Render(ClusterSettings settings, WorkerRuntime? runtime)
    {
        var text = new StringBuilder(512);
        text.Append("# HELP fanout_worker_targets_running Targets this worker runs now.\n# TYPE fanout_worker_targets_running gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"fanout_worker_targets_running {runtime?.Running ?? 0}\n");
        text.Append("# HELP fanout_worker_max_targets Most targets this worker runs at once (--max-targets).\n# TYPE fanout_worker_max_targets gauge\n");
        text.Append(CultureInfo.InvariantCulture, $"fanout_worker_max_targets {settings.MaxTargets}\n");
        text.Append("# HELP fanout_worker_targets_completed_total Targets this worker finished since it started.\n# TYPE fanout_worker_targets_completed_total counter\n");
        text.Append(CultureInfo.InvariantCulture, $"fanout_worker_targets_completed_total {runtime?.Completed ?? 0}\n");
        return text.ToString();
    }
}
