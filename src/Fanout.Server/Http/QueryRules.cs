using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Primitives;

namespace Fanout.Server.Http;

/// <summary>
/// One rule for the query string of every endpoint, as for body fields: a parameter the endpoint does not take is a 400
/// naming it, a number that is not one is a 400 naming it, a NUL is a 400 naming it, and an empty parameter
/// (<c>?status=</c>) is no filter at all (removed before the endpoint binds it). The parameters an endpoint takes are the
/// simple-typed parameters of its handler that are not route values, plus those named by <see cref="QueryParametersAttribute"/>.
/// </summary>
internal static class QueryRules
{
    private static readonly ConcurrentDictionary<Endpoint, IReadOnlyDictionary<string, Type>> Specs = new();

    /// <summary>The field errors of <paramref name="context"/>'s query (empty when it is fine); empty parameters are dropped from it.</summary>
    public static IDictionary<string, string[]> Check(HttpContext context)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        IQueryCollection query = context.Request.Query;
        // Minimal API endpoints (their handler is known); web UI pages read their own query (returnUrl, filters).
        if (query.Count == 0 || context.GetEndpoint() is not RouteEndpoint endpoint || endpoint.Metadata.GetMetadata<MethodInfo>() is null)
        {
            return errors;
        }

        IReadOnlyDictionary<string, Type> spec = Specs.GetOrAdd(endpoint, e => SpecOf((RouteEndpoint)e));
        var kept = new Dictionary<string, StringValues>(StringComparer.OrdinalIgnoreCase);
        foreach ((string name, StringValues values) in query)
        {
            if (values.All(string.IsNullOrEmpty))
            {
                continue; // empty filter = no filter
            }

            if (!spec.TryGetValue(name, out Type? type))
            {
                errors[name] = [$"unknown query parameter '{name}'{(spec.Count == 0 ? ": this endpoint takes none" : $": expected {string.Join(", ", spec.Keys.Order(StringComparer.Ordinal))}")}"];
                continue;
            }

            if (values.Any(v => v!.Contains('\0', StringComparison.Ordinal)))
            {
                errors[name] = ["contains a NUL character, which no query parameter may hold"];
                continue;
            }

            if (values.Count > 1)
            {
                errors[name] = [$"'{name}' is given {values.Count} times; give it once"];
                continue;
            }

            if (!Parses(values[0]!, type))
            {
                errors[name] = [$"'{values[0]}' is not {Describe(type)}"];
                continue;
            }

            kept[name] = values;
        }

        if (errors.Count == 0 && kept.Count != query.Count)
        {
            context.Request.Query = new QueryCollection(kept);
        }

        return errors;
    }

    private static IReadOnlyDictionary<string, Type> SpecOf(RouteEndpoint endpoint)
    {
        var spec = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase);
        var route = new HashSet<string>(endpoint.RoutePattern.Parameters.Select(p => p.Name), StringComparer.OrdinalIgnoreCase);
        if (endpoint.Metadata.GetMetadata<MethodInfo>() is { } method)
        {
            foreach (ParameterInfo p in method.GetParameters())
            {
                Type type = Nullable.GetUnderlyingType(p.ParameterType) ?? p.ParameterType;
                if (p.Name is { } name && !route.Contains(name) && IsSimple(type))
                {
                    spec[name] = type;
                }
            }
        }

        foreach (QueryParametersAttribute extra in endpoint.Metadata.GetOrderedMetadata<QueryParametersAttribute>())
        {
            foreach ((string name, Type type) in extra.Parameters)
            {
                spec[name] = type;
            }
        }

        return spec;
    }

    private static bool IsSimple(Type type) => type == typeof(string) || type == typeof(int) || type == typeof(long) || type == typeof(bool) || type == typeof(double);

    private static bool Parses(string value, Type type) =>
        type == typeof(string)
        || (type == typeof(int) && int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        || (type == typeof(long) && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        || (type == typeof(bool) && bool.TryParse(value, out _))
        || (type == typeof(double) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _));

    private static string Describe(Type type) =>
        type == typeof(int) ? "a 32-bit integer" : type == typeof(long) ? "a 64-bit integer" : type == typeof(bool) ? "true or false" : "a number";
}

/// <summary>Query parameters an endpoint reads itself (not through its handler's parameters), for <see cref="QueryRules"/> and the OpenAPI document.</summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, AllowMultiple = true)]
internal sealed class QueryParametersAttribute(string name, Type type) : Attribute
{
    public IReadOnlyList<(string Name, Type Type)> Parameters { get; } = [(name, type)];
}
