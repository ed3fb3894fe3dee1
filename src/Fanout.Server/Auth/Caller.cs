using Fanout.Security;

namespace Fanout.Server.Auth;

/// <summary>Who made a request: the token's name (the audit actor) and role.</summary>
internal sealed record Caller(string Name, ApiRole Role)
{
    private const string Key = "fanout.caller";

    public static Caller Of(HttpContext context) =>
        context.Items.TryGetValue(Key, out object? value) && value is Caller caller ? caller : new Caller("anonymous", ApiRole.Viewer);

    public void AttachTo(HttpContext context) => context.Items[Key] = this;
}
