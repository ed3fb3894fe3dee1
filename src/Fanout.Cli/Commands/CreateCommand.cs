using System.CommandLine;
using Fanout.Diagnostics;
using Fanout.Workflows.Templates;

namespace Fanout.Cli.Commands;

/// <summary>
/// <c>fanout create NAME --template T [--set k=v…] [-e ENV] [--PARAM VALUE…] [--output FILE] [--force]</c> (SPEC W18): writes
/// a new workflow from a template; <c>--set</c> values (and <c>-e</c> for <c>environment</c>, and a template parameter given as
/// its own option, <c>--services api,worker</c>) become the parameters' defaults. The result is validated before it is written.
/// </summary>
internal static class CreateCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("create", "Write a new workflow from a template (--set values, -e ENV and --PARAM VALUE for a template parameter become parameter defaults)");
        var name = new Argument<string>("name") { Description = "Name of the new workflow" };
        var template = new Option<string>("--template", "-t") { Description = "Template to start from (see 'fanout templates')", Required = true, HelpName = "TEMPLATE" };
        var set = new Option<string[]>("--set") { Description = "Parameter defaults: KEY=VALUE[,KEY=VALUE…] (repeatable)", HelpName = "KEY=VALUE", AllowMultipleArgumentsPerToken = false };
        var output = new Option<string?>("--output", "-o") { Description = "File to write (default: NAME.yaml in the workflows directory)", HelpName = "FILE" };
        var force = new Option<bool>("--force") { Description = "Overwrite an existing file" };
        var environment = new Option<string?>("--env", "-e") { Description = "Default of the 'environment' parameter (as --set environment=ENV)", HelpName = "ENV" };
        command.Options.Add(environment);

        // A template parameter may also be given as an option of its own: --services api,worker = --set services=api,worker.
        command.TreatUnmatchedTokensAsErrors = false;
        command.Arguments.Add(name);
        command.Options.Add(template);
        command.Options.Add(set);
        command.Options.Add(output);
        command.Options.Add(force);
        command.SetAction(async (parsed, ct) =>
        {
            (List<string>? sets, string? problem) = ParameterOptions(parsed.UnmatchedTokens);
            if (problem is not null)
            {
                return await StoreAction.ErrorAsync(context, "create", problem).ConfigureAwait(false);
            }

            sets!.InsertRange(0, parsed.GetValue(set) ?? []);
            if (parsed.GetValue(environment) is { } env)
            {
                sets.Add("environment=" + env.Replace(",", "\\,", StringComparison.Ordinal));
            }

            return await RunAsync(context, parsed.GetValue(name)!, parsed.GetValue(template)!, sets, parsed.GetValue(output), parsed.GetValue(force), ct).ConfigureAwait(false);
        });
        return command;
    }

    // --NAME VALUE or --NAME=VALUE pairs (NAME with '-' read as '_') become --set NAME=VALUE; anything else is an error.
    private static (List<string>? Sets, string? Problem) ParameterOptions(IReadOnlyList<string> tokens)
    {
        var sets = new List<string>();
        for (int i = 0; i < tokens.Count; i++)
        {
            string token = tokens[i];
            if (!token.StartsWith("--", StringComparison.Ordinal) || token.Length == 2)
            {
                return (null, $"unexpected argument '{token}' (template parameters are given as --set NAME=VALUE or --NAME VALUE)");
            }

            int eq = token.IndexOf('=', StringComparison.Ordinal);
            string key = (eq > 0 ? token[2..eq] : token[2..]).Replace('-', '_');
            if (eq > 0)
            {
                sets.Add(key + "=" + token[(eq + 1)..]);
            }
            else if (i + 1 < tokens.Count && !tokens[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                sets.Add(key + "=" + tokens[++i]);
            }
            else
            {
                return (null, $"option '{token}' needs a value (--{key.Replace('_', '-')} VALUE)");
            }
        }

        return (sets, null);
    }

    private static async Task<int> RunAsync(CliContext context, string name, string templateName, IReadOnlyList<string> set, string? output, bool force, CancellationToken cancellationToken)
    {
        TextWriter error = context.Console.Error;
        if (await CliConfig.LoadAsync(context, "create").ConfigureAwait(false) is not { } config)
        {
            return ExitCodes.UsageError;
        }

        if (name.Length == 0 || name.IndexOfAny(['/', '\\']) >= 0 || name is "." or ".." || name.StartsWith('.'))
        {
            await error.WriteLineAsync($"fanout create: error: '{name}' is not a workflow name: a name may not contain '/' or start with '.', so the file stays in {config.WorkflowsDirectory} (use --output FILE to write elsewhere)").ConfigureAwait(false);
            return ExitCodes.UsageError;
        }

        TemplateCatalogResult catalog = TemplateCatalog.Load(config.TemplatesDirectory);
        if (catalog.Find(templateName) is not { } template)
        {
            string known = string.Join(", ", catalog.Templates.Select(t => t.Name).Distinct());
            await error.WriteLineAsync($"fanout create: error: no template '{templateName}'{EditDistance.Hint(templateName, catalog.Templates.Select(t => t.Name))} (templates: {known})").ConfigureAwait(false);
            return ExitCodes.UsageError;
        }

        string path = output is null ? Path.Combine(config.WorkflowsDirectory, name + ".yaml") : CliConfig.Resolve(context, output);
        if (File.Exists(path) && !force)
        {
            await error.WriteLineAsync($"fanout create: error: {path} already exists (use --force to overwrite)").ConfigureAwait(false);
            return ExitCodes.UsageError;
        }

        TemplateInstantiation result = TemplateInstantiator.Create(template, name, set, CliConfig.ValidationOptions(config), output ?? name + ".yaml");
        foreach (string problem in result.Errors)
        {
            await error.WriteLineAsync($"fanout create: error: {problem}").ConfigureAwait(false);
        }

        foreach (Diagnostic diagnostic in result.Diagnostics)
        {
            await error.WriteLineAsync(diagnostic.ToString()).ConfigureAwait(false);
        }

        if (!result.Success)
        {
            return ExitCodes.UsageError;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, result.Text, cancellationToken).ConfigureAwait(false);
        await context.Console.Out.WriteLineAsync($"Created {path} from template '{template.Name}'. Check it with: fanout validate {path}").ConfigureAwait(false);
        return ExitCodes.Success;
    }
}
