using Fanout.Security;

namespace Fanout.Server.Auth;

/// <summary>Who made a request: the token's name (the audit actor) and role, and the token's lookup prefix (to re-check it later).</summary>
internal sealed record Caller(string Name, ApiRole Role)
{
    public const string ItemKey = "fanout.caller";

    /// <summary>The lookup prefix of the caller's token, or <see langword="null"/> for an anonymous caller.</summary>
    public string? TokenPrefix { get; init; }

    public static Caller Of(HttpContext context) =>
        context.Items.TryGetValue(ItemKey, out object? value) && value is Caller caller ? caller : new Caller("anonymous", ApiRole.Viewer);

    /// <summary>The authenticated caller, or <see langword="null"/> when the request has none.</summary>
    public static Caller? Find(HttpContext context) => context.Items.TryGetValue(ItemKey, out object? value) ? value as Caller : null;

    public void AttachTo(HttpContext context) => context.Items[ItemKey] = this;
}
