namespace Fanout.Expressions;

/// <summary>
/// The values a template can read: a root map (parameters, <c>variables</c>, named conditions, <c>outputs</c>,
/// <c>steps</c>, <c>workflow_id</c>, <c>run_id</c>, <c>target</c>, <c>env</c> …) plus the environment lookup used by
/// the <c>env</c> function. Immutable; <see cref="With"/> returns a copy.
/// </summary>
public sealed class TemplateContext
{
    private readonly Dictionary<string, object?> _root;

    /// <summary>Creates a context from <paramref name="values"/>, converted with <see cref="TemplateValues.Normalize"/>.</summary>
    /// <param name="values">The root names and their values.</param>
    /// <param name="environment">
    /// Looks up process environment variables for the <c>env "NAME"</c> function.
    /// The default reads the current process environment.
    /// </param>
    public TemplateContext(IEnumerable<KeyValuePair<string, object?>>? values = null, Func<string, string?>? environment = null)
    {
        _root = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (k, v) in values ?? [])
        {
            _root[k] = TemplateValues.Normalize(v);
        }

        Environment = environment ?? System.Environment.GetEnvironmentVariable;
    }

    private TemplateContext(Dictionary<string, object?> root, Func<string, string?> environment)
    {
        _root = root;
        Environment = environment;
    }

    /// <summary>The root map that <c>.name</c> reads.</summary>
    public IReadOnlyDictionary<string, object?> Root => _root;

    /// <summary>The lookup behind the <c>env</c> function.</summary>
    public Func<string, string?> Environment { get; }

    /// <summary>Returns a copy with <paramref name="name"/> set to <paramref name="value"/>.</summary>
    public TemplateContext With(string name, object? value)
    {
        var copy = new Dictionary<string, object?>(_root, StringComparer.Ordinal) { [name] = TemplateValues.Normalize(value) };
        return new TemplateContext(copy, Environment);
    }
}
