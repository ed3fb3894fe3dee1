using Fanout.Inventory;
using Fanout.Security;
using Fanout.Server.Auth;
using Fanout.Server.Http;

namespace Fanout.Server.Inventory;

/// <summary>SPEC A4 inventory: nodes (T6 shape) and groups, with search and paging.</summary>
internal static class InventoryEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        RouteGroupBuilder group = app.MapGroup("/api/inventory").WithTags("Inventory");
        group.MapGet("/nodes", NodesAsync).WithName("ListNodes").Produces<NodesPage>().ProducesValidationProblem().WithMetadata(new RequiresRoleAttribute(ApiRole.Viewer));
        group.MapGet("/facets", FacetsAsync).WithName("GetInventoryFacets").Produces<InventoryFacets>().WithMetadata(new RequiresRoleAttribute(ApiRole.Viewer));
        group.MapGet("/groups", GroupsAsync).WithName("ListGroups").Produces<GroupsPage>().ProducesValidationProblem().WithMetadata(new RequiresRoleAttribute(ApiRole.Viewer));
    }

    /// <summary>Nodes whose name or host contains <paramref name="search"/> (case-insensitive), optionally only those with <paramref name="tag"/> (<c>KEY</c> or <c>KEY=VALUE</c>), in <paramref name="group"/>, using <paramref name="transport"/> or defined by <paramref name="source"/>.</summary>
    private static async Task<IResult> NodesAsync(string? search, string? tag, string? group, string? transport, string? source, int? page, int? pageSize, InventoryCache cache, SecretVars secrets, ServerOptions options, CancellationToken cancellationToken)
    {
        var errors = new Problems.ErrorSet();
        Paging.Check(page, pageSize, options, errors);
        if (errors.Any)
        {
            return Problems.Validation(errors.ToDictionary());
        }

        Fanout.Inventory.Inventory inventory;
        try
        {
            inventory = await cache.GetAsync(cancellationToken);
        }
        catch (InventoryException e)
        {
            return Unavailable(e);
        }

        if (!string.IsNullOrEmpty(group) && inventory.FindGroup(group) is null)
        {
            return Problems.Validation("group", $"unknown group '{group}'");
        }

        var matching = InventoryFacets.Filter(inventory.Targets, search, tag, group, transport, source).ToList();
        return Results.Ok(new NodesPage(matching.Count, page ?? 1, pageSize ?? Paging.DefaultPageSize,
            [.. Paging.Slice(matching, page, pageSize).Select(t => new NodeDocument(t.Name, t.Host, t.Port, t.User, t.Transport, t.Groups, t.Tags, secrets.Mask(t.Vars), t.Source))]));
    }

    /// <summary>Counts of nodes per tag, group and transport, and the inventory sources (the web UI's inventory facets).</summary>
    private static async Task<IResult> FacetsAsync(InventoryCache cache, CancellationToken cancellationToken)
    {
        try
        {
            return Results.Ok(InventoryFacets.Of(await cache.GetAsync(cancellationToken), cache.Sources));
        }
        catch (InventoryException e)
        {
            return Unavailable(e);
        }
    }

    private static async Task<IResult> GroupsAsync(string? search, int? page, int? pageSize, InventoryCache cache, ServerOptions options, CancellationToken cancellationToken)
    {
        var errors = new Problems.ErrorSet();
        Paging.Check(page, pageSize, options, errors);
        if (errors.Any)
        {
            return Problems.Validation(errors.ToDictionary());
        }

        Fanout.Inventory.Inventory inventory;
        try
        {
            inventory = await cache.GetAsync(cancellationToken);
        }
        catch (InventoryException e)
        {
            return Unavailable(e);
        }

        var matching = inventory.Groups.Where(g => string.IsNullOrEmpty(search) || g.Name.Contains(search, StringComparison.OrdinalIgnoreCase)).ToList();
        return Results.Ok(new GroupsPage(matching.Count, page ?? 1, pageSize ?? Paging.DefaultPageSize,
            [.. Paging.Slice(matching, page, pageSize).Select(g => new GroupDocument(g.Name, inventory.GetGroupTargets(g.Name).Count, g.Targets, g.Children))]));
    }

    private static IResult Unavailable(InventoryException e) =>
        Results.Problem(detail: $"the server's inventory cannot be loaded: {e.Message}", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Inventory unavailable");
}

/// <summary>A page of nodes.</summary>
internal sealed record NodesPage(int Total, int Page, int PageSize, IReadOnlyList<NodeDocument> Nodes);

/// <summary>A node in the T6 shape.</summary>
internal sealed record NodeDocument(string Name, string? Host, int? Port, string? User, string Transport, IReadOnlyList<string> Groups,
    IReadOnlyDictionary<string, string> Tags, IReadOnlyDictionary<string, object?> Vars, string? Source);

/// <summary>A page of groups.</summary>
internal sealed record GroupsPage(int Total, int Page, int PageSize, IReadOnlyList<GroupDocument> Groups);

/// <summary>A group: its name, how many targets it expands to (children included), its direct members and children.</summary>
internal sealed record GroupDocument(string Name, int TargetCount, IReadOnlyList<string> Targets, IReadOnlyList<string> Children);
