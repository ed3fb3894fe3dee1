using System.CommandLine;
using Fanout.Inventory;
using Fanout.Selection;

namespace Fanout.Cli.Commands;

/// <summary>The selectors every command that acts on targets takes (SPEC T5), combined with AND, plus <c>-i</c>.</summary>
internal sealed class SelectorOptions
{
    public const string DefaultInventoryFile = "fanout.yaml";

    public Option<string[]> Inventory { get; } = new("--inventory", "-i")
    {
        Description = "Inventory file (YAML/JSON, Ansible INI/YAML, or an executable). Repeatable; default $FANOUT_INVENTORY, else ./fanout.yaml",
        HelpName = "PATH",
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string[]> Tag { get; } = new("--tag")
    {
        Description = "Select by tag: KEY=VALUE, KEY=V1,V2 (either), KEY (present), KEY!=VALUE (exclude). Repeatable",
        HelpName = "KEY=VALUE",
    };

    public Option<string[]> Pattern { get; } = new("--pattern", "--vm-pattern")
    {
        Description = "Shell glob on target names (test-*, web-0?). Repeatable",
        HelpName = "GLOB",
    };

    public Option<string[]> Regex { get; } = new("--regex")
    {
        Description = "Regular expression on target names. Repeatable",
        HelpName = "RE",
    };

    public Option<string[]> Group { get; } = new("--group", "--resource-group")
    {
        Description = "Select members of a group. Repeatable",
        HelpName = "NAME",
    };

    public Option<string?> Limit { get; } = new("--limit")
    {
        Description = "Ansible host pattern (web:db, web:&prod, web:!web3, ~web\\d+, web[0:2], all)",
        HelpName = "PATTERN",
    };

    public Option<bool> All { get; } = new("--all")
    {
        Description = "Select every target",
    };

    public Option<string[]> Exclude { get; } = new("--exclude")
    {
        Description = "Leave out the targets of this Ansible host pattern, the language of --limit (names, groups, globs, ~regex, web:db unions). Repeatable",
        HelpName = "PATTERN",
    };

    public Option<bool> Strict { get; } = new("--strict")
    {
        Description = "A selector part that matches nothing, or an empty selection, is an error (exit 2) instead of a warning (config default: strict)",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Inventory);
        command.Options.Add(Tag);
        command.Options.Add(Pattern);
        command.Options.Add(Regex);
        command.Options.Add(Group);
        command.Options.Add(Limit);
        command.Options.Add(All);
        command.Options.Add(Exclude);
        command.Options.Add(Strict);
    }

    /// <summary>
    /// Prints a warning on stderr for each selector part that matched nothing; returns an error
    /// message when <c>--strict</c> (or the config's <c>strict: true</c>) turns that, or an empty selection, into a usage error.
    /// </summary>
    public async Task<string?> CheckAsync(ParseResult parsed, CliContext context, string commandName, TargetSet targets)
    {
        foreach (string warning in targets.Warnings)
        {
            await context.Console.Error.WriteLineAsync($"fanout {commandName}: warning: {warning}").ConfigureAwait(false);
        }

        bool strict = parsed.GetValue(Strict) || (parsed.GetResult(Strict) is null or { Implicit: true } && StrictByConfig(context));
        if (!strict)
        {
            return null;
        }

        if (targets.Warnings.Count > 0)
        {
            return $"--strict: {targets.Warnings.Count} selector part{(targets.Warnings.Count == 1 ? "" : "s")} matched nothing; nothing ran";
        }

        return targets.Count == 0 ? "--strict: the selection is empty; nothing ran" : null;
    }

    private static bool StrictByConfig(CliContext context)
    {
        Configuration.FanoutConfigResult config = Configuration.FanoutConfigLoader.Load(context.GetEnvironmentVariable, context.CurrentDirectory);
        return !config.HasErrors && config.Config.Strict;
    }

    public SelectionCriteria GetCriteria(ParseResult parsed) => new()
    {
        Tags = parsed.GetValue(Tag) ?? [],
        Patterns = parsed.GetValue(Pattern) ?? [],
        Regexes = parsed.GetValue(Regex) ?? [],
        Groups = parsed.GetValue(Group) ?? [],
        Limit = parsed.GetValue(Limit),
        All = parsed.GetValue(All),
        Excludes = parsed.GetValue(Exclude) ?? [],
    };

    /// <summary>The inventory sources: <c>-i</c> values, else <c>$FANOUT_INVENTORY</c> (comma-separated), else <c>./fanout.yaml</c>; null when there is none.</summary>
    public IReadOnlyList<string>? GetSources(ParseResult parsed, CliContext context)
    {
        string[] given = parsed.GetValue(Inventory) ?? [];
        if (given.Length > 0)
        {
            return given;
        }

        string? fromEnvironment = context.GetEnvironmentVariable("FANOUT_INVENTORY");
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }

        string local = Path.Combine(context.CurrentDirectory, DefaultInventoryFile);
        return File.Exists(local) ? [local] : null;
    }
}
