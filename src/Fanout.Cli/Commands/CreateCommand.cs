using System.CommandLine;
using Fanout.Diagnostics;
using Fanout.Workflows.Templates;

namespace Fanout.Cli.Commands;

/// <summary>
/// <c>fanout create NAME --template T [--set k=v…] [--output FILE] [--force]</c> (SPEC W18): writes a new workflow from a
/// template; <c>--set</c> values become the parameters' defaults. The result is validated before it is written.
/// </summary>
internal static class CreateCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("create", "Write a new workflow from a template (--set values become parameter defaults)");
        var name = new Argument<string>("name") { Description = "Name of the new workflow" };
        var template = new Option<string>("--template", "-t") { Description = "Template to start from (see 'fanout templates')", Required = true, HelpName = "TEMPLATE" };
        var set = new Option<string[]>("--set") { Description = "Parameter defaults: KEY=VALUE[,KEY=VALUE…] (repeatable)", HelpName = "KEY=VALUE", AllowMultipleArgumentsPerToken = false };
        var output = new Option<string?>("--output", "-o") { Description = "File to write (default: NAME.yaml in the workflows directory)", HelpName = "FILE" };
        var force = new Option<bool>("--force") { Description = "Overwrite an existing file" };
        command.Arguments.Add(name);
        command.Options.Add(template);
        command.Options.Add(set);
        command.Options.Add(output);
        command.Options.Add(force);
        command.SetAction((parsed, ct) => RunAsync(context, parsed.GetValue(name)!, parsed.GetValue(template)!, parsed.GetValue(set) ?? [], parsed.GetValue(output), parsed.GetValue(force), ct));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string name, string templateName, string[] set, string? output, bool force, CancellationToken cancellationToken)
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
