using System.CommandLine;
using System.Text.Json;
using Fanout.Security;

namespace Fanout.Cli.Commands;

/// <summary><c>fanout audit [--batch ID] [--actor NAME] [--action A] [--limit N] [--output table|json]</c> (SPEC A7), oldest first.</summary>
internal static class AuditCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("audit", "Show the audit log of the API: batch creation, executions, cancellations, tokens");
        var batch = new Option<string?>("--batch") { Description = "Only entries of this batch (run) id", HelpName = "ID" };
        var actor = new Option<string?>("--actor") { Description = "Only entries of this actor (token name)", HelpName = "NAME" };
        var action = new Option<string?>("--action") { Description = "Only entries with this action, e.g. batch.create", HelpName = "ACTION" };
        var limit = new Option<int>("--limit") { Description = "At most N entries", DefaultValueFactory = _ => 1000, HelpName = "N" };
        Option<string> output = StoreAction.OutputOption("table", "json");
        output.AcceptOnlyFromAmong("table", "json");
        foreach (Option o in new Option[] { batch, actor, action, limit, output })
        {
            command.Options.Add(o);
        }

        command.SetAction((parsed, ct) => StoreAction.RunAsync(parsed, context, "audit", async store =>
        {
            IReadOnlyList<AuditEntry> entries = await store.Audit.QueryAuditAsync(new AuditQuery
            {
                BatchId = parsed.GetValue(batch),
                Actor = parsed.GetValue(actor),
                Action = parsed.GetValue(action),
                Limit = parsed.GetValue(limit),
            }, ct).ConfigureAwait(false);
            TextWriter o = context.Console.Out;
            if (parsed.GetValue(output) == "json")
            {
                await o.WriteLineAsync(JsonSerializer.Serialize(new { entries }, new JsonSerializerOptions(JsonSerializerDefaults.Web))).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            foreach (AuditEntry e in entries)
            {
                string extra = string.Join(' ', new[]
                {
                    e.BatchId is null ? null : $"batch={e.BatchId}",
                    e.Target is null ? null : $"target={e.Target}",
                    e.TargetCount is null ? null : $"targets={e.TargetCount}",
                    e.DurationMs is null ? null : $"durationMs={e.DurationMs:0.#}",
                    e.Detail,
                }.Where(s => s is not null));
                await o.WriteLineAsync($"{StoreAction.Time(e.Timestamp)} {e.Actor} {e.Action} {extra}").ConfigureAwait(false);
            }

            return ExitCodes.Success;
        }, ct));
        return command;
    }
}
