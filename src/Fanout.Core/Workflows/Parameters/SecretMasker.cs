namespace Fanout.Workflows.Parameters;

/// <summary>Replaces secret values with <c>***</c> in text bound for logs, output, history and exports (SPEC W2).</summary>
public static class SecretMasker
{
    /// <summary>The replacement text.</summary>
    public const string Mask = "***";

    /// <summary>Returns <paramref name="text"/> with every occurrence of every secret replaced (longest secrets first).</summary>
    public static string Apply(string text, IReadOnlyCollection<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(secrets);
        foreach (var secret in secrets.Where(s => s.Length > 0).OrderByDescending(s => s.Length))
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        return text;
    }
}
