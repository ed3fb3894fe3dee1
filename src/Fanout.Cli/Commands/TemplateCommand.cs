using System.CommandLine;
using Fanout.Diagnostics;
using Fanout.Expressions;
using Fanout.Workflows.Templates;

namespace Fanout.Cli.Commands;

/// <summary>
/// <c>fanout template generate --from FILE --name NAME [--output FILE] [--force]</c> (SPEC W18): turns a workflow into a
/// reusable template in the user templates directory; literal environment-specific values become parameters.
/// </summary>
internal static class TemplateCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("template", "Manage workflow templates");
        var generate = new Command("generate", "Turn a workflow into a reusable template: literal hosts, IPs, URLs, versions, ports and environment names become parameters");
        var from = new Option<string>("--from") { Description = "The workflow file to generalise", Required = true, HelpName = "FILE" };
        var name = new Option<string>("--name") { Description = "Template name (the file is NAME.yaml in the user templates directory)", Required = true, HelpName = "NAME" };
        var output = new Option<string?>("--output", "-o") { Description = "Write here instead of the user templates directory", HelpName = "FILE" };
        var force = new Option<bool>("--force") { Description = "Overwrite an existing template" };
        generate.Options.Add(from);
        generate.Options.Add(name);
        generate.Options.Add(output);
        generate.Options.Add(force);
        generate.SetAction((parsed, ct) => GenerateAsync(context, parsed.GetValue(from)!, parsed.GetValue(name)!, parsed.GetValue(output), parsed.GetValue(force), ct));
        command.Subcommands.Add(generate);
        return command;
    }

    private static async Task<int> GenerateAsync(CliContext context, string from, string name, string? output, bool force, CancellationToken cancellationToken)
    {
        TextWriter error = context.Console.Error;
        if (await CliConfig.LoadAsync(context, "template generate").ConfigureAwait(false) is not { } config)
        {
            return ExitCodes.UsageError;
        }

        if (name.Length == 0 || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name.StartsWith('.'))
        {
            await error.WriteLineAsync($"fanout template generate: error: '{name}' is not usable as a template (file) name").ConfigureAwait(false);
            return ExitCodes.UsageError;
        }

        string? path = output is not null ? CliConfig.Resolve(context, output)
            : config.TemplatesDirectory is { } dir ? Path.Combine(dir, name + ".yaml") : null;
        if (path is null)
        {
            await error.WriteLineAsync("fanout template generate: error: no user templates directory (set templates_dir in the Fanout config, or HOME), or give --output").ConfigureAwait(false);
            return ExitCodes.UsageError;
        }

        if (File.Exists(path) && !force)
        {
            await error.WriteLineAsync($"fanout template generate: error: {path} already exists (use --force to overwrite)").ConfigureAwait(false);
            return ExitCodes.UsageError;
        }

        string text;
        try
        {
            text = await File.ReadAllTextAsync(CliConfig.Resolve(context, from), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"fanout template generate: error: cannot read {from}: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.UsageError;
        }

        GeneratedTemplate result = TemplateGenerator.Generate(text, name, from);
        foreach (Diagnostic diagnostic in result.Diagnostics)
        {
            await error.WriteLineAsync(diagnostic.ToString()).ConfigureAwait(false);
        }

        if (!result.Success)
        {
            await error.WriteLineAsync($"fanout template generate: error: {from} must validate before it can become a template").ConfigureAwait(false);
            return ExitCodes.UsageError;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, result.Text, cancellationToken).ConfigureAwait(false);
        TextWriter outWriter = context.Console.Out;
        await outWriter.WriteLineAsync($"Wrote template '{name}' to {path} with {result.Parameters.Count} parameter{(result.Parameters.Count == 1 ? string.Empty : "s")} made from literal values:").ConfigureAwait(false);
        foreach (GeneratedParameter p in result.Parameters)
        {
            await outWriter.WriteLineAsync($"  {p.Name,-24} {p.Kind,-12} default {TemplateValues.ToText(p.Default)} ({p.Occurrences} use{(p.Occurrences == 1 ? string.Empty : "s")})").ConfigureAwait(false);
        }

        await outWriter.WriteLineAsync($"Use it with: fanout create NAME --template {name} --set KEY=VALUE").ConfigureAwait(false);
        return ExitCodes.Success;
    }
}
