using Fanout.Workflows.Model;

namespace Fanout.Workflows.Parameters;

/// <summary>
/// Secrets are stored as references, never as values (SPEC A9): a <c>--set-file</c> path or a <c>--set-env</c> variable name is
/// recorded and read again by resume, retry and schedule fires; a secret parameter given inline with <c>--set</c> is recorded by
/// name only and must be given again.
/// </summary>
public static class SecretReferences
{
    /// <summary>
    /// Splits <paramref name="set"/> (<c>--set</c> arguments) into what may be recorded and the names of the secret parameters of
    /// <paramref name="workflow"/> they give inline (those pairs are left out; an argument without one is kept as it was given).
    /// A recorded pair whose value is the mask <c>***</c> (written by older versions) counts as an inline secret too.
    /// </summary>
    public static (IReadOnlyList<string> Recordable, IReadOnlyList<string> InlineSecrets) Strip(WorkflowDefinition workflow, IReadOnlyList<string> set)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        ArgumentNullException.ThrowIfNull(set);
        var secret = workflow.Parameters.Where(p => p.Secret).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var recordable = new List<string>();
        var inline = new List<string>();
        foreach (var argument in set)
        {
            var pairs = SetArgument.Parse(argument, out var error);
            if (error is not null || !pairs.Any(p => secret.Contains(p.Key)))
            {
                recordable.Add(argument);
                continue;
            }

            inline.AddRange(pairs.Where(p => secret.Contains(p.Key)).Select(p => p.Key));
            var rest = pairs.Where(p => !secret.Contains(p.Key)).Select(p => p.Key + "=" + Write(p.Value)).ToList();
            if (rest.Count > 0)
            {
                recordable.Add(string.Join(',', rest));
            }
        }

        return (recordable, inline.Distinct(StringComparer.Ordinal).ToList());
    }

    /// <summary>The names in <paramref name="inlineSecrets"/> that no argument of <paramref name="set"/> gives.</summary>
    public static IReadOnlyList<string> Missing(IEnumerable<string> inlineSecrets, IReadOnlyList<string> set)
    {
        ArgumentNullException.ThrowIfNull(inlineSecrets);
        ArgumentNullException.ThrowIfNull(set);
        var given = set.SelectMany(a => SetArgument.Parse(a, out _)).Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        return [.. inlineSecrets.Where(s => !given.Contains(s)).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The error for secrets of run <paramref name="runId"/> that must be given again, e.g. on <c>fanout resume</c>.</summary>
    public static string MissingMessage(string runId, IReadOnlyList<string> missing) =>
        $"run {runId} was given the secret parameter(s) {string.Join(", ", missing.Select(m => $"'{m}'"))} inline; secrets are never stored, "
        + $"so give them again ({string.Join(" ", missing.Select(m => $"--set {m}=VALUE"))}), or pass secrets with --set-file/--set-env, which are recorded as references";

    // A list or map is written as JSON, which SetArgument takes whole: it binds to the same value.
    private static string Write(object? value) => value is string text ? Escape(text) : Expressions.TemplateValues.ToJson(value);

    private static string Escape(string text) => text.Replace(",", "\\,", StringComparison.Ordinal);
}
