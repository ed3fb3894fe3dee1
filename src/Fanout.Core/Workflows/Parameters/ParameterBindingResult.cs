namespace Fanout.Workflows.Parameters;

/// <summary>Bound parameter values, or the reasons they could not be bound.</summary>
/// <param name="Values">Every declared parameter (default or given, null when optional and unset) plus undeclared <c>--set</c> values.</param>
/// <param name="Errors">One message per problem, each naming the parameter; empty on success.</param>
/// <param name="SecretValues">The text of every secret parameter's value, to be masked as <c>***</c>.</param>
public sealed record ParameterBindingResult(
    IReadOnlyDictionary<string, object?> Values,
    IReadOnlyList<string> Errors,
    IReadOnlyCollection<string> SecretValues)
{
    /// <summary>True when there are no errors.</summary>
    public bool Success => Errors.Count == 0;
}
