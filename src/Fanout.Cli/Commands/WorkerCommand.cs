using System.CommandLine;
using System.Runtime.InteropServices;
using Fanout.Cluster.Hosting;
using Fanout.Cluster.Workers;
using Fanout.Runs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Fanout.Cli.Commands;

/// <summary>
/// <c>fanout worker --store postgres://… [--max-targets N] [--labels k=v,…]</c> (SPEC A8): joins the cluster of that store and runs the targets
/// coordinators lease to it, until SIGINT or SIGTERM. Stopping leaves the cluster gracefully; a worker killed outright is
/// declared dead after <c>--failure-detection</c> and what it held runs again on other workers.
/// </summary>
internal static class WorkerCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("worker", "Join the cluster of a PostgreSQL store and run the targets it is given (see docs/scale-out.md)");
        var maxTargets = new Option<int>("--max-targets") { Description = "Most targets this worker runs at once", DefaultValueFactory = _ => 32, HelpName = "N" };
        var labels = new Option<string>("--labels")
        {
            Description = "This worker's labels; runs asking for labels (API options.workerLabels) run only on workers that have them all",
            HelpName = "KEY=VALUE[,KEY=VALUE]",
        };
        var metricsUrls = new Option<string[]>("--metrics-urls")
        {
            Description = "Serve this worker's own GET /metrics (running, completed, max targets; no authentication) on these http:// URLs, comma-separated or repeated",
            HelpName = "URL",
        };
        var cluster = new ClusterOptions();
        command.Options.Add(maxTargets);
        command.Options.Add(labels);
        command.Options.Add(metricsUrls);
        foreach (Option o in cluster.All)
        {
            command.Options.Add(o);
        }

        command.SetAction((parsed, ct) =>
        {
            (ClusterSettings? settings, string? error) = cluster.Bind(parsed, context, ClusterRoles.Worker, parsed.GetValue(maxTargets));
            if (settings is null)
            {
                return StoreAction.ErrorAsync(context, "worker", error!);
            }

            if (parsed.GetValue(labels) is { } text)
            {
                try
                {
                    settings = settings with { Labels = WorkerLabels.Parse(text) };
                }
                catch (FormatException e)
                {
                    return StoreAction.ErrorAsync(context, "worker", $"--labels '{text}': {e.Message}");
                }
            }

            string[]? metrics = null;
            if (parsed.GetResult(metricsUrls) is not null)
            {
                (metrics, string? bad) = WorkerMetricsEndpoint.Parse(parsed.GetValue(metricsUrls) ?? []);
                if (metrics is null)
                {
                    return StoreAction.ErrorAsync(context, "worker", bad!);
                }
            }

            // Opening the store applies the migrations, the cluster tables included, before the silo joins.
            return StoreAction.RunAsync(parsed, context, "worker", _ => RunAsync(context, settings, metrics, ct), ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, ClusterSettings settings, string[]? metricsUrls, CancellationToken ct)
    {
        // The metrics endpoint listens before the silo joins, so an address in use is exit 2 with nothing to undo.
        var runtime = new System.Runtime.CompilerServices.StrongBox<WorkerRuntime?>();
        Microsoft.AspNetCore.Builder.WebApplication? metrics = null;
        if (metricsUrls is not null)
        {
            try
            {
                metrics = await WorkerMetricsEndpoint.StartAsync(metricsUrls, settings, () => Volatile.Read(ref runtime.Value), ct).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                return await StoreAction.ErrorAsync(context, "worker", $"--metrics-urls: cannot listen on {string.Join(", ", metricsUrls)}: {e.Message}").ConfigureAwait(false);
            }
        }

        await using (metrics)
        {
            return await RunSiloAsync(context, settings, r => Volatile.Write(ref runtime.Value, r), ct).ConfigureAwait(false);
        }
    }

    private static async Task<int> RunSiloAsync(CliContext context, ClusterSettings settings, Action<WorkerRuntime> started, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
        {
            signal.Cancel = true;
            stop.Cancel();
        });
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = context.CurrentDirectory });
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Fanout", LogLevel.Information);
        builder.AddFanoutSilo(settings);
        using IHost host = builder.Build();
        await host.StartAsync(ct).ConfigureAwait(false);
        started(host.Services.GetRequiredService<WorkerRuntime>());
        SiloAddress silo = host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        await context.Console.Out.WriteLineAsync($"fanout worker: joined cluster '{settings.ClusterId}' as {silo.ToParsableString()} ({settings.Name}, up to {settings.MaxTargets} targets at once{(settings.Labels.Count > 0 ? ", labels " + WorkerLabels.Format(settings.Labels) : "")})").ConfigureAwait(false);
        await context.Console.Out.FlushAsync(ct).ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // SIGINT or SIGTERM: leave the cluster below.
        }

        await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await context.Console.Out.WriteLineAsync($"fanout worker: left the cluster ({host.Services.GetRequiredService<WorkerRuntime>().Completed} targets run)").ConfigureAwait(false);
        return ExitCodes.Success;
    }
}
