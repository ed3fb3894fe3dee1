using Fanout.Security;

namespace Fanout.Server.Auth;

/// <summary>Who made a request: the token's name (the audit actor) and role.</summary>
internal sealed record Caller(string Name, ApiRole Role)
{
    public const string ItemKey = "fanout.caller";

    public static Caller Of(HttpContext context) =>
        context.Items.TryGetValue(ItemKey, out object? value) && value is Caller caller ? caller : new Caller("anonymous", ApiRole.Viewer);

    public void AttachTo(HttpContext context) => context.Items[ItemKey] = this;
}
