using Fanout.Security;

namespace Fanout.Server.Auth;

/// <summary>Endpoint metadata: the least role a bearer token needs (SPEC A5). Endpoints without it need <see cref="ApiRole.Admin"/>, except <c>AllowAnonymous</c> ones.</summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class)]
internal sealed class RequiresRoleAttribute(ApiRole role) : Attribute
{
    public ApiRole Role { get; } = role;
}
