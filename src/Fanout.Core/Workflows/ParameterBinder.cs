using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Fanout.Expressions;
using Fanout.Workflows.Model;
using Fanout.Workflows.Parameters;

namespace Fanout.Workflows;

/// <summary>
/// Binds <c>--set</c> / <c>--set-file</c> / <c>--set-env</c> / <c>-e</c> values to a workflow's parameters (SPEC W2): converts them to the
/// declared types, applies defaults and validation, and reports every problem naming the parameter — before anything runs.
/// </summary>
public static class ParameterBinder
{
    /// <summary>Binds <paramref name="inputs"/> against <paramref name="workflow"/>'s declared parameters.</summary>
    /// <param name="workflow">The workflow.</param>
    /// <param name="inputs">The command-line values.</param>
    /// <param name="readFile">Reads a <c>--set-file</c> path; the default reads the file system.</param>
    public static ParameterBindingResult Bind(WorkflowDefinition workflow, ParameterInputs inputs, Func<string, string>? readFile = null)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        ArgumentNullException.ThrowIfNull(inputs);
        readFile ??= File.ReadAllText;
        var errors = new List<string>();
        var given = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var arg in inputs.Set)
        {
            var pairs = SetArgument.Parse(arg, out var error);
            foreach (var (k, v) in pairs)
            {
                given[k] = v;
            }

            if (error is not null)
            {
                errors.Add(error);
            }
        }

        foreach (var arg in inputs.SetFile)
        {
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                errors.Add($"--set-file '{arg}': expected KEY=PATH");
                continue;
            }

            var (key, path) = (arg[..eq], arg[(eq + 1)..]);
            try
            {
                var content = readFile(path);
                given[key] = content.EndsWith('\n') ? content[..^1].TrimEnd('\r') : content;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                errors.Add($"parameter '{key}': cannot read --set-file '{path}': {ex.Message}");
            }
        }

        foreach (var arg in inputs.SetEnv)
        {
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || eq == arg.Length - 1)
            {
                errors.Add($"--set-env '{arg}': expected KEY=VARIABLE");
                continue;
            }

            var (key, variable) = (arg[..eq], arg[(eq + 1)..]);
            if (inputs.ReadVariable(variable) is { } content)
            {
                given[key] = content;
            }
            else
            {
                errors.Add($"parameter '{key}': the environment variable '{variable}' (--set-env) is not set");
            }
        }

        if (inputs.Environment is not null)
        {
            given["environment"] = inputs.Environment;
        }

        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        var secrets = new List<string>();
        foreach (var p in workflow.Parameters.Where(p => p.Name.Length > 0))
        {
            object? value;
            if (given.Remove(p.Name, out var raw))
            {
                var error = Check(p, raw, out value);
                if (error is not null)
                {
                    errors.Add($"parameter '{p.Name}': {error}");
                    continue;
                }
            }
            else if (p.HasDefault)
            {
                _ = Check(p, p.Default, out value);
                value ??= p.Default;
            }
            else if (p.Required)
            {
                errors.Add($"parameter '{p.Name}' is required (give it with --set {p.Name}=VALUE)");
                continue;
            }
            else
            {
                value = null;
            }

            values[p.Name] = value;
            if (p.Secret && value is not null)
            {
                secrets.AddRange(value is IReadOnlyList<object?> list ? list.Select(TemplateValues.ToText) : [TemplateValues.ToText(value)]);
            }
        }

        foreach (var (k, v) in given)
        {
            values[k] = v;
        }

        // A name the workflow reads that nothing defines fails here — before anything runs — the same way for plan, run,
        // schedules and the API (validate warns about the same names); a read through `default` is not a problem.
        foreach (var (name, position) in WorkflowNames.Undefined(workflow, values))
        {
            var how = name is "environment" or "env" ? $"-e ENV (or --set {name}=VALUE)" : $"--set {name}=VALUE";
            errors.Add($"{position}: undefined name '.{name}': give it with {how}, or declare it as a parameter with a default");
        }

        return new ParameterBindingResult(values, errors, secrets.Where(s => s.Length > 0).Distinct().ToList());
    }

    /// <summary>Converts <paramref name="raw"/> to the parameter's type and checks its validation.</summary>
    /// <returns>Null when valid (with the converted value in <paramref name="value"/>), else why it is not.</returns>
    internal static string? Check(WorkflowParameter parameter, object? raw, out object? value)
    {
        value = null;
        var error = Convert(parameter.Type, raw, out value);
        if (error is not null || parameter.Validation is not { } v)
        {
            return error;
        }

        var items = value is IReadOnlyList<object?> list ? list : [value];
        if (v.MinItems is { } minItems && items.Count < minItems)
        {
            return $"needs at least {minItems} item(s), got {items.Count}";
        }

        if (v.MaxItems is { } maxItems && items.Count > maxItems)
        {
            return $"allows at most {maxItems} item(s), got {items.Count}";
        }

        if (value is double or long)
        {
            var d = System.Convert.ToDouble(value, CultureInfo.InvariantCulture);
            if (v.Min is { } min && d < min)
            {
                return $"must be at least {min.ToString(CultureInfo.InvariantCulture)}, got {TemplateValues.ToText(value)}";
            }

            if (v.Max is { } max && d > max)
            {
                return $"must be at most {max.ToString(CultureInfo.InvariantCulture)}, got {TemplateValues.ToText(value)}";
            }
        }

        foreach (var item in items)
        {
            if (v.Pattern is { } pattern && item is string s)
            {
                try
                {
                    if (!Regex.IsMatch(s, pattern, RegexOptions.None, TimeSpan.FromSeconds(1)))
                    {
                        return $"'{s}' does not match the pattern {pattern}";
                    }
                }
                catch (RegexMatchTimeoutException)
                {
                    return $"the pattern {pattern} took too long to match '{s}'";
                }
                catch (ArgumentException ex)
                {
                    return $"invalid validation pattern: {ex.Message}";
                }
            }

            if (v.Allowed is { } allowed && !allowed.Any(a => TemplateValues.AreEqual(a, item)))
            {
                return $"'{TemplateValues.ToText(item)}' is not one of the allowed values ({string.Join(", ", allowed.Select(TemplateValues.ToText))})";
            }
        }

        return null;
    }

    private static string? Convert(ParameterType type, object? raw, out object? value)
    {
        value = raw;
        if (raw is null)
        {
            return null;
        }

        switch (type)
        {
            case ParameterType.String:
                if (raw is IReadOnlyList<object?> or IReadOnlyDictionary<string, object?>)
                {
                    return $"expected a string, got a {TemplateValues.TypeName(raw)} (write a literal comma as \\,)";
                }

                value = TemplateValues.ToText(raw);
                return null;
            case ParameterType.Number:
                if (raw is long or double)
                {
                    return null;
                }

                if (raw is string s && long.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
                {
                    value = l;
                    return null;
                }

                if (raw is string t && double.TryParse(t.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
                {
                    value = d;
                    return null;
                }

                return $"expected a number, got {Describe(raw)}";
            case ParameterType.Boolean:
                switch (raw)
                {
                    case bool:
                        return null;
                    case string b when b.Trim().ToLowerInvariant() is "true" or "yes" or "on" or "1":
                        value = true;
                        return null;
                    case string b when b.Trim().ToLowerInvariant() is "false" or "no" or "off" or "0":
                        value = false;
                        return null;
                    default:
                        return $"expected true or false, got {Describe(raw)}";
                }

            case ParameterType.List:
                if (raw is IReadOnlyList<object?>)
                {
                    return null;
                }

                if (raw is string text && text.TrimStart().StartsWith('['))
                {
                    return FromJson(text, JsonValueKind.Array, out value);
                }

                value = raw is string { Length: 0 } ? new List<object?>() : new List<object?> { raw };
                return null;
            default:
                if (raw is IReadOnlyDictionary<string, object?>)
                {
                    return null;
                }

                return raw is string json ? FromJson(json, JsonValueKind.Object, out value) : $"expected an object, got {Describe(raw)}";
        }
    }

    private static string? FromJson(string text, JsonValueKind kind, out object? value)
    {
        value = null;
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind != kind)
            {
                return $"expected a JSON {(kind == JsonValueKind.Array ? "array" : "object")}, got {doc.RootElement.ValueKind.ToString().ToLowerInvariant()}";
            }

            value = TemplateValues.FromJson(doc.RootElement);
            return null;
        }
        catch (JsonException ex)
        {
            return $"invalid JSON: {ex.Message}";
        }
    }

    private static string Describe(object? raw) => raw is string s ? $"'{s}'" : $"a {TemplateValues.TypeName(raw)}";
}
