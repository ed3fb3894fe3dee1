namespace Fanout.Inventory;

/// <summary>"Did you mean" hints for unknown names (fields, groups, providers, commands): the one rule of <see cref="Diagnostics.EditDistance"/>.</summary>
internal static class Suggestions
{
    /// <summary>Returns <c> (did you mean 'x'?)</c> for the closest candidate, or an empty string.</summary>
    public static string DidYouMean(string input, IEnumerable<string> candidates) => Diagnostics.EditDistance.Hint(input, candidates);
}
