using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Fanout.Workflows.Engine;

namespace Fanout.Cli.Commands;

/// <summary>
/// <c>fanout breaker list [--workflow W] [-o text|json]</c> and <c>fanout breaker reset NAME [--workflow W]</c> (SPEC W13):
/// the persisted circuit breakers of workflows, and closing one by hand (state closed, failure count 0).
/// </summary>
internal static class BreakerCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("breaker", "List or reset the circuit breakers of workflows (persisted in the store)");
        command.Subcommands.Add(CreateList(context));
        command.Subcommands.Add(CreateReset(context));
        return command;
    }

    private static Command CreateList(CliContext context)
    {
        var command = new Command("list", "List circuit breakers: workflow, name, state, consecutive failures, when opened");
        var workflow = new Option<string?>("--workflow") { Description = "Only the breakers of this workflow", HelpName = "NAME" };
        var output = StoreAction.OutputOption("text", "json");
        command.Options.Add(workflow);
        command.Options.Add(output);
        command.SetAction((parsed, ct) => StoreAction.RunAsync(parsed, context, "breaker list", async store =>
        {
            string format = parsed.GetValue(output) ?? "text";
            if (format is not ("text" or "json"))
            {
                return await StoreAction.ErrorAsync(context, "breaker list", $"unknown output format '{format}' (text, json)").ConfigureAwait(false);
            }

            IReadOnlyList<CircuitBreakerRecord> breakers = await ListAsync(store, parsed.GetValue(workflow), ct).ConfigureAwait(false);
            if (format == "json")
            {
                var doc = new
                {
                    breakers = breakers.Select(b => new
                    {
                        workflow = b.Workflow,
                        name = b.Name,
                        state = b.State,
                        consecutiveFailures = b.ConsecutiveFailures,
                        openedAt = b.OpenedAt,
                        updatedAt = b.UpdatedAt,
                    }),
                };
                await context.Console.Out.WriteLineAsync(JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true })).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            if (breakers.Count == 0)
            {
                await context.Console.Out.WriteLineAsync("No circuit breaker has been used yet (all closed).").ConfigureAwait(false);
                return ExitCodes.Success;
            }

            await context.Console.Out.WriteLineAsync("WORKFLOW\tBREAKER\tSTATE\tFAILURES\tOPENED\tUPDATED").ConfigureAwait(false);
            foreach (CircuitBreakerRecord b in breakers)
            {
                await context.Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{b.Workflow}\t{b.Name}\t{b.State}\t{b.ConsecutiveFailures}\t{StoreAction.Time(b.OpenedAt)}\t{StoreAction.Time(b.UpdatedAt)}")).ConfigureAwait(false);
            }

            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static Command CreateReset(CliContext context)
    {
        var command = new Command("reset", "Close a circuit breaker now (its failure count back to 0), so the steps it protects run again");
        var name = new Argument<string>("NAME") { Description = "The breaker name (as in the workflow's circuit_breakers)" };
        var workflow = new Option<string?>("--workflow") { Description = "The workflow the breaker belongs to (needed when several workflows use the name)", HelpName = "NAME" };
        command.Arguments.Add(name);
        command.Options.Add(workflow);
        command.SetAction((parsed, ct) => StoreAction.RunAsync(parsed, context, "breaker reset", async store =>
        {
            string breaker = parsed.GetValue(name)!;
            List<CircuitBreakerRecord> matches = [.. (await ListAsync(store, parsed.GetValue(workflow), ct).ConfigureAwait(false)).Where(b => b.Name == breaker)];
            if (matches.Count == 0)
            {
                return await StoreAction.ErrorAsync(context, "breaker reset", $"no circuit breaker '{breaker}'{(parsed.GetValue(workflow) is { } w ? $" in workflow '{w}'" : string.Empty)} (fanout breaker list shows them)").ConfigureAwait(false);
            }

            if (matches.Count > 1)
            {
                return await StoreAction.ErrorAsync(context, "breaker reset", $"circuit breaker '{breaker}' exists in several workflows ({string.Join(", ", matches.Select(m => m.Workflow))}); name one with --workflow").ConfigureAwait(false);
            }

            CircuitBreakerRecord before = matches[0];
            await store.Workflows!.SaveBreakerAsync(before with { State = "closed", ConsecutiveFailures = 0, OpenedAt = null, UpdatedAt = context.Time.GetUtcNow() }, ct).ConfigureAwait(false);
            await context.Console.Out.WriteLineAsync($"Circuit breaker '{breaker}' of workflow '{before.Workflow}' reset: closed (was {before.State}, {before.ConsecutiveFailures} consecutive failure(s)).").ConfigureAwait(false);
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static async Task<IReadOnlyList<CircuitBreakerRecord>> ListAsync(Runs.IRunStore store, string? workflow, CancellationToken ct)
    {
        if (store.Workflows is not { } workflows)
        {
            throw new FanoutException("this store does not keep workflow state");
        }

        IReadOnlyList<CircuitBreakerRecord> all = await workflows.ListBreakersAsync(ct).ConfigureAwait(false);
        return workflow is null ? all : [.. all.Where(b => b.Workflow == workflow)];
    }
}
