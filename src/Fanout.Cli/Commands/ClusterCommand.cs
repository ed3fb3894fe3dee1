using System.CommandLine;
using System.Text.Json;
using Fanout.Cluster.Membership;
using Fanout.Storage;

namespace Fanout.Cli.Commands;

/// <summary><c>fanout cluster status [-o text|json]</c>: the silos of the store's cluster with their role, status and load.</summary>
internal static class ClusterCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("cluster", "Inspect the cluster of fanout serve and fanout worker processes (see docs/scale-out.md)");
        var status = new Command("status", "List the silos of the cluster: role, status, running targets, capacity, labels");
        var clusterId = new Option<string>("--cluster-id") { Description = "The cluster to list", DefaultValueFactory = _ => "fanout", HelpName = "ID" };
        var output = StoreAction.OutputOption("text", "json");
        status.Options.Add(clusterId);
        status.Options.Add(output);
        status.SetAction((parsed, ct) => StoreAction.RunAsync(parsed, context, "cluster status", async _ =>
        {
            string format = parsed.GetValue(output) ?? "text";
            if (format is not ("text" or "json"))
            {
                return await StoreAction.ErrorAsync(context, "cluster status", $"unknown output format '{format}' (text, json)").ConfigureAwait(false);
            }

            StoreLocation location = StoreLocation.Resolve(parsed.GetValue(CliStore.Option), context.GetEnvironmentVariable);
            if (!location.IsPostgres)
            {
                return await StoreAction.ErrorAsync(context, "cluster status", $"a cluster needs a PostgreSQL store (--store postgres://…); {location.Display} is SQLite").ConfigureAwait(false);
            }

            await using var directory = new ClusterDirectory(location.Target, parsed.GetValue(clusterId)!);
            IReadOnlyList<ClusterSilo> silos = await directory.ListAsync(ct).ConfigureAwait(false);
            if (format == "json")
            {
                var doc = new
                {
                    cluster = parsed.GetValue(clusterId),
                    silos = silos.Select(s => new
                    {
                        silo = s.Silo,
                        name = s.Name,
                        role = s.Role,
                        status = s.Status,
                        running = s.Running,
                        maxTargets = s.MaxTargets,
                        labels = s.Labels,
                        completed = s.Completed,
                        pid = s.Pid,
                        startedAt = s.StartedAt,
                        updatedAt = s.UpdatedAt,
                    }),
                };
                await context.Console.Out.WriteLineAsync(JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true })).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            if (silos.Count == 0)
            {
                await context.Console.Out.WriteLineAsync($"No silo has joined cluster '{parsed.GetValue(clusterId)}' yet.").ConfigureAwait(false);
                return ExitCodes.Success;
            }

            await context.Console.Out.WriteLineAsync($"{"SILO",-28} {"NAME",-30} {"ROLE",-7} {"STATUS",-13} {"RUNNING",7} {"MAX",5} {"DONE",8} LABELS").ConfigureAwait(false);
            foreach (ClusterSilo s in silos)
            {
                await context.Console.Out.WriteLineAsync($"{s.Silo,-28} {s.Name,-30} {s.Role,-7} {s.Status,-13} {s.Running,7} {s.MaxTargets,5} {s.Completed,8} {(s.Labels.Count > 0 ? Fanout.Runs.WorkerLabels.Format(s.Labels) : "-")}").ConfigureAwait(false);
            }

            return ExitCodes.Success;
        }, ct));
        command.Subcommands.Add(status);
        return command;
    }
}
