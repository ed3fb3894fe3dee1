using System.CommandLine;
using Fanout.Diagnostics;
using Fanout.Workflows;
using Fanout.Workflows.Parameters;
using Fanout.Workflows.Planning;
using Fanout.Workflows.Validation;

namespace Fanout.Cli.Commands;

/// <summary>
/// <c>fanout plan FILE [--set …] [--set-file …] [--set-env …] [-e ENV] [--format text|mermaid|dot]</c>: validates the workflow,
/// binds parameters and prints the resolved steps, order and conditions, or the DAG as Mermaid/DOT (SPEC W17).
/// Nothing runs. Exit 2 on validation or parameter errors.
/// </summary>
internal static class PlanCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("plan", "Show a workflow's resolved steps, order and conditions (or its DAG) without running anything");
        var file = new Argument<string>("file") { Description = "Workflow YAML file" };
        var set = new Option<string[]>("--set") { Description = "Parameter values KEY=VALUE[,KEY=VALUE…] (a,b without '=' is a list)", HelpName = "KEY=VALUE", AllowMultipleArgumentsPerToken = false };
        var setFile = new Option<string[]>("--set-file") { Description = "Parameter value read from a file", HelpName = "KEY=PATH" };
        var setEnv = new Option<string[]>("--set-env") { Description = "Parameter value read from an environment variable", HelpName = "KEY=VARIABLE" };
        var environment = new Option<string?>("--env", "-e") { Description = "Sets the 'environment' parameter", HelpName = "ENV" };
        var format = new Option<string>("--format") { Description = "Output format", DefaultValueFactory = _ => "text", HelpName = "text|mermaid|dot" };
        format.AcceptOnlyFromAmong("text", "mermaid", "dot");
        command.Arguments.Add(file);
        command.Options.Add(set);
        command.Options.Add(setFile);
        command.Options.Add(setEnv);
        command.Options.Add(environment);
        command.Options.Add(format);
        command.SetAction((parsed, ct) => RunAsync(
            context,
            parsed.GetValue(file)!,
            new ParameterInputs { Set = parsed.GetValue(set) ?? [], SetFile = parsed.GetValue(setFile) ?? [], SetEnv = parsed.GetValue(setEnv) ?? [], Environment = parsed.GetValue(environment), ReadVariable = context.GetEnvironmentVariable },
            parsed.GetValue(format) ?? "text",
            ct));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string file, ParameterInputs inputs, string format, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        TextWriter error = context.Console.Error;
        string path = Path.IsPathRooted(file) ? file : Path.Combine(context.CurrentDirectory, file);
        var result = WorkflowValidator.ValidateFile(path, CliConfig.ValidationOptions(CliConfig.ForRun(context)));
        foreach (Diagnostic diagnostic in result.Diagnostics)
        {
            await error.WriteLineAsync((diagnostic with { Position = diagnostic.Position with { File = file } }).ToString()).ConfigureAwait(false);
        }

        if (result.HasErrors)
        {
            return ExitCodes.UsageError;
        }

        string Resolve(string p) => File.ReadAllText(Path.IsPathRooted(p) ? p : Path.Combine(context.CurrentDirectory, p));
        ParameterBindingResult binding = ParameterBinder.Bind(result.Workflow!, inputs, Resolve);
        if (!binding.Success)
        {
            foreach (string problem in binding.Errors)
            {
                await error.WriteLineAsync($"fanout plan: error: {problem}").ConfigureAwait(false);
            }

            return ExitCodes.UsageError;
        }

        WorkflowPlan plan = WorkflowPlanner.Build(result.Workflow!, binding.Values);
        string text = format switch
        {
            "mermaid" => PlanRenderer.ToMermaid(plan),
            "dot" => PlanRenderer.ToDot(plan),
            _ => PlanRenderer.ToText(plan),
        };
        await context.Console.Out.WriteAsync(SecretMasker.Apply(text, binding.SecretValues)).ConfigureAwait(false);
        return ExitCodes.Success;
    }
}
