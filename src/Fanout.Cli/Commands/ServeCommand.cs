using System.CommandLine;
using System.Runtime.InteropServices;
using Fanout.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Fanout.Cli.Commands;

/// <summary>
/// <c>fanout serve</c>: the REST batch API (SPEC A) and the scheduler loop (SPEC H5) over the run store, until SIGINT or
/// SIGTERM. Stopping is graceful: running batches are cancelled and recorded, so <c>fanout resume ID</c> continues them — or, in a
/// cluster where another coordinating server is alive, the runs shared with workers are handed over to it (docs/scale-out.md).
/// </summary>
internal static class ServeCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("serve", "Run the REST API and fire schedules until SIGINT/SIGTERM (see docs/api.md)");
        var urls = new Option<string[]>("--urls")
        {
            Description = "Listen URLs, comma-separated or repeated (default http://127.0.0.1:8080; https:// needs a Kestrel certificate, see docs/api.md)",
            HelpName = "URL",
        };
        var poll = new Option<string>("--poll-interval") { Description = "How often schedules are re-read from the store", DefaultValueFactory = _ => "5s", HelpName = "DURATION" };
        var maxTargets = new Option<int>("--max-targets") { Description = "Most targets per batch", DefaultValueFactory = _ => 1000, HelpName = "N" };
        var queue = new Option<int>("--queue-size") { Description = "Batches that may wait for a slot before new ones get 429", DefaultValueFactory = _ => 100, HelpName = "N" };
        var batches = new Option<int>("--max-batches") { Description = "Batches running at the same time", DefaultValueFactory = _ => 4, HelpName = "N" };
        var workflows = new Option<string>("--workflows-dir") { Description = "Directory listed by GET /api/workflows", DefaultValueFactory = _ => "workflows", HelpName = "DIR" };
        var distinct = new Option<bool>("--require-distinct-approver") { Description = "Refuse (403) workflow approvals by the caller who started the run" };
        var debug = new Option<bool>("--debug") { Description = "Show an internal error's exception and stack trace to admins in its 500 answer (never to others)" };
        var origins = new Option<string[]>("--allowed-origin")
        {
            Description = "Origin (scheme://host[:port]) whose browser pages may call the API (CORS); repeatable. Default: same origin only",
            HelpName = "ORIGIN",
        };
        var secretVars = new Option<string[]>("--secret-var")
        {
            Description = "Inventory variable name part whose values are shown as *** (added to password, passphrase, secret, token, private_key, ...); repeatable",
            HelpName = "NAME",
        };
        var maxBody = new Option<long>("--max-body-bytes") { Description = "Largest request body; larger gets 413", DefaultValueFactory = _ => 1024 * 1024, HelpName = "BYTES" };
        var maxCommand = new Option<int>("--max-command-length") { Description = "Longest command or script text of a batch, in characters", DefaultValueFactory = _ => 256 * 1024, HelpName = "N" };
        var role = new Option<string?>("--role")
        {
            Description = "Join the cluster of the PostgreSQL store: api (coordinate runs, their targets run on workers) or all (also run targets here). Default: no cluster, everything in this process",
            HelpName = "ROLE",
        };
        role.AcceptOnlyFromAmong("api", "all");
        var workerTargets = new Option<int>("--worker-max-targets") { Description = "With --role all: most targets this server runs at once", DefaultValueFactory = _ => 32, HelpName = "N" };
        var cluster = new ClusterOptions();
        var selectors = new SelectorOptions();
        foreach (Option o in new Option[] { urls, poll, maxTargets, queue, batches, workflows, distinct, debug, origins, secretVars, maxBody, maxCommand, selectors.Inventory, role, workerTargets })
        {
            command.Options.Add(o);
        }

        foreach (Option o in cluster.All)
        {
            command.Options.Add(o);
        }

        command.SetAction((parsed, ct) =>
        {
            if (!Duration.TryParse(parsed.GetValue(poll), out TimeSpan interval) || interval <= TimeSpan.Zero)
            {
                return StoreAction.ErrorAsync(context, "serve", $"--poll-interval '{parsed.GetValue(poll)}' is not a positive duration");
            }

            Fanout.Cluster.Hosting.ClusterSettings? clusterSettings = null;
            if (parsed.GetValue(role) is { } clusterRole)
            {
                (clusterSettings, string? clusterError) = cluster.Bind(parsed, context, clusterRole, parsed.GetValue(workerTargets));
                if (clusterSettings is null)
                {
                    return StoreAction.ErrorAsync(context, "serve", clusterError!);
                }
            }
            else if (cluster.FirstGiven(parsed, workerTargets) is { } given1)
            {
                return StoreAction.ErrorAsync(context, "serve", $"{given1.Name} needs --role api|all (a cluster)");
            }

            string[] given = [.. (parsed.GetValue(urls) ?? []).SelectMany(u => u.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
            var options = new ServerOptions
            {
                Urls = given.Length == 0 ? ["http://127.0.0.1:8080"] : given,
                InventorySources = CliStore.Absolute(selectors.GetSources(parsed, context) ?? [], context),
                MaxTargetsPerBatch = parsed.GetValue(maxTargets),
                QueueCapacity = parsed.GetValue(queue),
                MaxConcurrentBatches = parsed.GetValue(batches),
                WorkflowsDirectory = Path.Combine(context.CurrentDirectory, parsed.GetValue(workflows)!),
                SchedulerPollInterval = interval,
                RequireDistinctApprover = parsed.GetValue(distinct),
                Debug = parsed.GetValue(debug),
                AllowedOrigins = [.. (parsed.GetValue(origins) ?? []).SelectMany(u => u.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))],
                SecretVarNames = [.. (parsed.GetValue(secretVars) ?? []).SelectMany(u => u.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))],
                MaxRequestBodyBytes = parsed.GetValue(maxBody),
                MaxCommandLength = parsed.GetValue(maxCommand),
                Cluster = clusterSettings,
            };
            IReadOnlyList<string> problems = options.Validate();
            if (problems.Count > 0)
            {
                return StoreAction.ErrorAsync(context, "serve", string.Join("; ", problems));
            }

            return StoreAction.RunAsync(parsed, context, "serve", store => ServeAsync(context, options, store, ct), ct);
        });
        return command;
    }

    private static async Task<int> ServeAsync(CliContext context, ServerOptions options, Storage.IFanoutStore store, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
        {
            signal.Cancel = true; // stop gracefully: running batches are cancelled and recorded as resumable (or handed over, in a cluster)
            stop.Cancel();
        });
        await using WebApplication app = FanoutServer.Build(options, store, context.Time);
        try
        {
            await app.StartAsync(ct).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            return await StoreAction.ErrorAsync(context, "serve", $"cannot listen on {string.Join(", ", options.Urls)}: {e.Message}").ConfigureAwait(false);
        }

        using CancellationTokenRegistration stopping = app.Lifetime.ApplicationStopping.Register(stop.Cancel);
        ICollection<string> addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        await context.Console.Out.WriteLineAsync($"fanout serve: listening on {string.Join(", ", addresses)}; store {store.Location}; firing schedules{(options.Cluster is { } c ? $"; cluster '{c.ClusterId}' as {c.Role}" : "")} (pid {Environment.ProcessId})").ConfigureAwait(false);
        await context.Console.Out.FlushAsync(ct).ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // SIGINT or SIGTERM: stop below.
        }

        await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await context.Console.Out.WriteLineAsync("fanout serve: stopped").ConfigureAwait(false);
        return ExitCodes.Success;
    }
}
