using System.CommandLine;
using Fanout.Expressions;
using Fanout.Workflows.Model;
using Fanout.Workflows.Templates;

namespace Fanout.Cli.Commands;

/// <summary><c>fanout templates</c> (SPEC W18): lists built-in and user templates with their descriptions and parameters.</summary>
internal static class TemplatesCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("templates", "List built-in and user workflow templates with their parameters");
        command.SetAction((_, ct) => RunAsync(context, ct));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, CancellationToken cancellationToken)
    {
        if (await CliConfig.LoadAsync(context, "templates").ConfigureAwait(false) is not { } config)
        {
            return ExitCodes.UsageError;
        }

        TemplateCatalogResult catalog = TemplateCatalog.Load(config.TemplatesDirectory);
        foreach (var diagnostic in catalog.Diagnostics)
        {
            await context.Console.Error.WriteLineAsync(diagnostic.ToString()).ConfigureAwait(false);
        }

        TextWriter output = context.Console.Out;
        foreach (WorkflowTemplate template in catalog.Templates)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string source = template.IsBuiltIn ? "built-in" : "user: " + template.Path;
            bool shadowed = template.IsBuiltIn && catalog.Find(template.Name) != template;
            await output.WriteLineAsync($"{template.Name} ({source}){(shadowed ? " — overridden by a user template" : string.Empty)}").ConfigureAwait(false);
            if (template.Description.Length > 0)
            {
                await output.WriteLineAsync("  " + template.Description).ConfigureAwait(false);
            }

            foreach (WorkflowParameter p in template.Parameters)
            {
                await output.WriteLineAsync($"  --set {p.Name}=…  {Describe(p)}").ConfigureAwait(false);
            }

            await output.WriteLineAsync().ConfigureAwait(false);
        }

        await output.WriteLineAsync(config.TemplatesDirectory is { } dir
            ? $"User templates: {dir}. Create a workflow with: fanout create NAME --template TEMPLATE [--set KEY=VALUE…]"
            : "Create a workflow with: fanout create NAME --template TEMPLATE [--set KEY=VALUE…]").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static string Describe(WorkflowParameter p)
    {
        string type = p.Type.ToString().ToLowerInvariant();
        string value = p.Secret ? "secret" : p.HasDefault ? "default " + TemplateValues.ToText(p.Default) : p.Required ? "required" : "optional";
        return $"{type}, {value}{(p.Description is { Length: > 0 } d ? " — " + d : string.Empty)}";
    }
}
