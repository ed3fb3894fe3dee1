namespace Fanout.Workflows.Templates;

/// <summary>A parameter that <see cref="TemplateGenerator"/> made from a literal value.</summary>
/// <param name="Name">The parameter name.</param>
/// <param name="Kind">What the literal looked like: <c>url</c>, <c>ip</c>, <c>host</c>, <c>version</c>, <c>port</c>, <c>number</c> or <c>environment</c>.</param>
/// <param name="Default">The literal (a string, or a <c>long</c> for numbers), which becomes the default.</param>
/// <param name="Occurrences">How many places used it.</param>
public sealed record GeneratedParameter(string Name, string Kind, object Default, int Occurrences);
