namespace Fanout.Security;

/// <summary>Spelling of <see cref="ApiRole"/> on the command line, in the store and the API.</summary>
public static class ApiRoleExtensions
{
    /// <summary>Returns <c>viewer</c>, <c>operator</c> or <c>admin</c>.</summary>
    public static string ToWireName(this ApiRole role) => role switch
    {
        ApiRole.Viewer => "viewer",
        ApiRole.Operator => "operator",
        ApiRole.Admin => "admin",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };

    /// <summary>Parses a name produced by <see cref="ToWireName"/> (case-insensitive).</summary>
    /// <returns><see langword="null"/> when <paramref name="text"/> is not a role.</returns>
    public static ApiRole? TryParseWireName(string? text) => text?.ToUpperInvariant() switch
    {
        "VIEWER" => ApiRole.Viewer,
        "OPERATOR" => ApiRole.Operator,
        "ADMIN" => ApiRole.Admin,
        _ => null,
    };

    /// <summary>Whether <paramref name="role"/> may do what <paramref name="required"/> may.</summary>
    public static bool Includes(this ApiRole role, ApiRole required) => role >= required;
}
