using System.CommandLine;
using Fanout.Runs;
using Spectre.Console;

namespace Fanout.Cli.Commands;

/// <summary><c>fanout show RUN_ID</c> (SPEC H2): the run's record and the latest attempt of each target.</summary>
internal static class ShowCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("show", "Show a recorded run: who, what, options, status and every target");
        var runId = new Argument<string>("RUN_ID") { Description = "The run id (see fanout history)" };
        command.Arguments.Add(runId);
        command.SetAction((parsed, ct) => StoreAction.RunAsync(parsed, context, "show", async store =>
        {
            string id = parsed.GetValue(runId)!;
            if (await store.GetRunAsync(id, ct).ConfigureAwait(false) is not { } run)
            {
                return await StoreAction.ErrorAsync(context, "show", $"no run with id '{id}'").ConfigureAwait(false);
            }

            TextWriter o = context.Console.Out;
            RunCounts c = run.Counts;
            await o.WriteLineAsync($"Run        {run.RunId}").ConfigureAwait(false);
            await o.WriteLineAsync($"Kind       {run.Kind}").ConfigureAwait(false);
            await o.WriteLineAsync($"Name       {run.Name}").ConfigureAwait(false);
            await o.WriteLineAsync($"Status     {run.Status.ToWireName()}{(run.StopReason is null ? string.Empty : $" ({run.StopReason})")}").ConfigureAwait(false);
            await o.WriteLineAsync($"Actor      {run.Actor}").ConfigureAwait(false);
            await o.WriteLineAsync($"Started    {StoreAction.Time(run.StartedAt)}").ConfigureAwait(false);
            await o.WriteLineAsync($"Ended      {StoreAction.Time(run.EndedAt)}").ConfigureAwait(false);
            await o.WriteLineAsync($"Owner      pid {run.OwnerPid} on {run.OwnerHost}{(run.ResumeCount > 0 ? $", resumed {run.ResumeCount}×" : string.Empty)}").ConfigureAwait(false);
            if (run.ParentRunId is not null)
            {
                await o.WriteLineAsync($"Retry of   {run.ParentRunId}").ConfigureAwait(false);
            }

            await o.WriteLineAsync($"Targets    {c.Total}: {c.Succeeded} succeeded, {c.Failed} failed, {c.TimedOut} timed out, {c.Unreachable} unreachable, {c.Cancelled} cancelled, {c.NotRun} not run, {c.Skipped} skipped").ConfigureAwait(false);
            await o.WriteLineAsync($"Selection  {run.Selectors ?? "-"}").ConfigureAwait(false);
            await o.WriteLineAsync($"Options    {run.Options ?? "-"}").ConfigureAwait(false);
            if (run.Parameters is not null)
            {
                await o.WriteLineAsync($"Parameters {run.Parameters}").ConfigureAwait(false);
            }

            // States, exit codes and errors only: the attempts are read without their output (which may be megabytes per target).
            IReadOnlyList<RunTargetRecord> targets = await store.GetRunTargetsAsync(id, ct).ConfigureAwait(false);
            var latest = (await store.GetAttemptsAsync(id, new AttemptQuery { LatestOnly = true, WithoutOutput = true }, ct).ConfigureAwait(false))
                .ToDictionary(a => a.Target, StringComparer.Ordinal);
            var table = new Table().Border(TableBorder.Rounded);
            foreach (string column in new[] { "Target", "State", "Exit", "Attempt", "Wave", "Duration", "Error" })
            {
                table.AddColumn(column);
            }

            foreach (RunTargetRecord t in targets)
            {
                TargetAttemptRecord? a = latest.GetValueOrDefault(t.Target);
                string duration = a is { StartedAt: { } s, EndedAt: { } e } ? Duration.Format(e - s) : "-";
                table.AddRow(Markup.Escape(t.Target), (a?.State ?? AttemptState.NotRun).ToWireName(), a?.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
                    (a?.Attempt ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture), t.Wave.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    duration, Markup.Escape(FirstLine(a?.Error)));
            }

            context.Console.CreateAnsiConsole(o).Write(table);
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static string FirstLine(string? text) => text is null ? string.Empty : text.Split('\n')[0];
}
