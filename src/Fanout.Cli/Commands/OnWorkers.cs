using System.CommandLine;
using Fanout.Cluster.Dispatch;
using Fanout.Cluster.Hosting;
using Fanout.Runs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fanout.Cli.Commands;

/// <summary>
/// <c>--on-workers</c> and its companions on the commands that run targets (exec, script, sync, lifecycle, run, resume, retry): the run
/// is coordinated by this process, as any CLI run, and its targets are leased to the workers of the PostgreSQL store's cluster
/// (docs/scale-out.md "Runs from the CLI"). The cluster options (<c>--cluster-id</c>, <c>--advertise</c>, …) are those of
/// <c>fanout worker</c>; given without <c>--on-workers</c> they are refused, never ignored. Workflow runs (<c>fanout run</c>,
/// and resume and retry of one) lease the targets of their fan-out steps; their plain steps run in this process.
/// </summary>
internal sealed class OnWorkersOptions
{
    private readonly bool _withLabels;
    private bool _added;

    /// <param name="withLabels">Whether <c>--worker-labels</c> is offered (resume and retry keep the run's recorded labels).</param>
    public OnWorkersOptions(bool withLabels = true) => _withLabels = withLabels;

    public Option<bool> OnWorkers { get; } = new("--on-workers")
    {
        Description = "Run the targets on the workers of the PostgreSQL store's cluster (fanout worker), coordinated by this process",
    };

    public Option<string?> WorkerLabels { get; } = new("--worker-labels")
    {
        Description = "Only on workers that have all these labels (implies --on-workers)",
        HelpName = "K=V[,K=V]",
    };

    public ClusterOptions Cluster { get; } = new();

    /// <summary>Why <c>--password-env</c> and <c>--on-workers</c> do not go together.</summary>
    public const string NoPassword = "--password-env with --on-workers: a password is never recorded or sent to workers, which authenticate with their own keys (docs/scale-out.md)";

    public void AddTo(Command command)
    {
        _added = true;
        command.Options.Add(OnWorkers);
        if (_withLabels)
        {
            command.Options.Add(WorkerLabels);
        }

        foreach (Option o in Cluster.All)
        {
            command.Options.Add(o);
        }
    }

    /// <summary>
    /// Where the run's targets go: null settings (and no error) to run them in this process; the silo settings (and the labels
    /// asked for) to lease them to workers; or the usage error naming the option.
    /// </summary>
    public (ClusterSettings? Settings, IReadOnlyDictionary<string, string>? Labels, string? Error) Bind(ParseResult parsed, CliContext context)
    {
        if (!_added)
        {
            return (null, null, null);
        }

        string? labelText = _withLabels ? parsed.GetValue(WorkerLabels) : null;
        if (!parsed.GetValue(OnWorkers) && labelText is null)
        {
            return Cluster.FirstGiven(parsed) is { } given
                ? (null, null, $"{given.Name} only applies with --on-workers")
                : (null, null, null);
        }

        IReadOnlyDictionary<string, string>? labels = null;
        if (labelText is not null)
        {
            try
            {
                labels = Runs.WorkerLabels.Parse(labelText);
            }
            catch (FormatException e)
            {
                return (null, null, $"--worker-labels '{labelText}': {e.Message}");
            }
        }

        (ClusterSettings? settings, string? error) = Cluster.Bind(parsed, context, ClusterRoles.Cli, 1);
        return settings is null ? (null, null, "--on-workers: " + error) : (settings, labels, null);
    }
}

/// <summary>
/// Runs one CLI run on the cluster's workers: this process joins the cluster as a silo of role <c>cli</c> for the run's length
/// (it neither runs targets nor takes other runs over), leases the targets through the same <see cref="IRunDistributor"/> a
/// clustered server uses, and leaves the cluster when the run ends. Its recorder writes every row, as for a local run.
/// </summary>
internal static class CliSilo
{
    /// <summary>Why a batch run of <paramref name="definition"/> cannot go to workers, or null when it can.</summary>
    public static string? WhyNot(RunDefinition? definition, bool atomic) =>
        ClusterRunDistributor.CanDistribute(definition, atomic)
            ? null
            : $"--on-workers: {ClusterRunDistributor.WhyKept(definition, atomic)} runs in the coordinating process, not on workers; run it without --on-workers";

    /// <summary>
    /// Joins the cluster, checks a live worker (with <paramref name="labels"/>) is there, runs <paramref name="body"/> with the
    /// distributor that leases targets to the workers (a batch: <see cref="IRunDistributor.Distribute"/>; a workflow:
    /// <see cref="IRunDistributor.ForWorkflow"/>), and leaves. Nothing runs when joining fails or no worker is alive (exit 2).
    /// </summary>
    public static async Task<int> RunAsync(
        CliContext context,
        string commandName,
        ClusterSettings settings,
        IReadOnlyDictionary<string, string>? labels,
        bool quiet,
        Func<IRunDistributor, Task<int>> body,
        CancellationToken cancellationToken)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = context.CurrentDirectory });

        // Stdout is the run's table or document: the silo's few log lines (errors; Fanout's warnings) go to stderr.
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Error);
        builder.Logging.AddFilter("Fanout", LogLevel.Warning);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.AddFanoutSilo(settings);
        using IHost host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return await ErrorAsync(context, commandName, $"--on-workers: cannot join cluster '{settings.ClusterId}': {e.Message}").ConfigureAwait(false);
        }

        try
        {
            WorkerDirectory workers = host.Services.GetRequiredService<WorkerDirectory>();
            if (!await workers.AnyLiveAsync(labels, cancellationToken).ConfigureAwait(false))
            {
                string which = labels is { Count: > 0 } ? $" labelled {Runs.WorkerLabels.Format(labels)}" : string.Empty;
                return await ErrorAsync(context, commandName, $"--on-workers: no live worker{which} in cluster '{settings.ClusterId}' (start one with fanout worker); nothing ran").ConfigureAwait(false);
            }

            if (!quiet)
            {
                await context.Console.Error.WriteLineAsync($"fanout {commandName}: running the targets on the workers of cluster '{settings.ClusterId}'").ConfigureAwait(false);
            }

            return await body(host.Services.GetRequiredService<IRunDistributor>()).ConfigureAwait(false);
        }
        finally
        {
            // Leaves the cluster gracefully: the workers see this coordinator go at once, not after failure detection.
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task<int> ErrorAsync(CliContext context, string commandName, string message)
    {
        await context.Console.Error.WriteLineAsync($"fanout {commandName}: error: {message}").ConfigureAwait(false);
        return ExitCodes.UsageError;
    }
}
