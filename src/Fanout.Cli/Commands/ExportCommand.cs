using System.CommandLine;
using Fanout.Documents;

namespace Fanout.Cli.Commands;

/// <summary><c>fanout export RUN_ID --format json|csv</c> (SPEC H2): the stored run in the X9 result shape, with full output.</summary>
internal static class ExportCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("export", "Export a recorded run as JSON or CSV (the same shape as exec --output)");
        var runId = new Argument<string>("RUN_ID") { Description = "The run id" };
        var format = new Option<string>("--format", "-f") { Description = "json or csv", DefaultValueFactory = _ => "json", HelpName = "FORMAT" };
        command.Arguments.Add(runId);
        command.Options.Add(format);
        command.SetAction((parsed, ct) =>
        {
            string f = parsed.GetValue(format) ?? "json";
            if (f is not ("json" or "csv"))
            {
                return StoreAction.ErrorAsync(context, "export", $"--format '{f}' is not one of json, csv");
            }

            return StoreAction.RunAsync(parsed, context, "export", async store =>
            {
                string id = parsed.GetValue(runId)!;
                if (await ResultDocuments.LoadAsync(store, id, withRunFields: false, ct).ConfigureAwait(false) is not { } document)
                {
                    return await StoreAction.ErrorAsync(context, "export", $"no run with id '{id}'").ConfigureAwait(false);
                }

                await context.Console.Out.WriteAsync(f == "json" ? DocumentWriter.ToJson(document) : DocumentWriter.ToCsv(document)).ConfigureAwait(false);

                await context.Console.Out.FlushAsync(ct).ConfigureAwait(false);
                return ExitCodes.Success;
            }, ct);
        });
        return command;
    }
}
