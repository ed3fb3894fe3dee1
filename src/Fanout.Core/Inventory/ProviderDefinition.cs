namespace Fanout.Inventory;

/// <summary>
/// A lifecycle provider (SPEC L1): named command templates run on the controller, rendered with
/// the target's fields (for example <c>{{ .target.name }}</c>). This is data only; running the
/// templates belongs to the lifecycle operations.
/// </summary>
public sealed record ProviderDefinition
{
    /// <summary>The name targets refer to in their <c>provider</c> field.</summary>
    public required string Name { get; init; }

    /// <summary>The template that starts a target, or <see langword="null"/> when unsupported.</summary>
    public string? Start { get; init; }

    /// <summary>The template that stops a target, or <see langword="null"/> when unsupported.</summary>
    public string? Stop { get; init; }

    /// <summary>The template that restarts a target, or <see langword="null"/> when unsupported.</summary>
    public string? Restart { get; init; }

    /// <summary>The template that prints a target's status, or <see langword="null"/> when unsupported.</summary>
    public string? Status { get; init; }

    /// <summary>The name of the built-in Azure preset.</summary>
    public const string AzureName = "azure";

    /// <summary>
    /// The built-in <c>azure</c> preset: <c>az vm start/deallocate/restart/get-instance-view</c> with
    /// <c>-g {{ .target.group }} -n {{ .target.name }}</c>. An inventory may redefine it.
    /// </summary>
    public static ProviderDefinition Azure { get; } = new()
    {
        Name = AzureName,
        Start = "az vm start -g {{ .target.group }} -n {{ .target.name }}",
        Stop = "az vm deallocate -g {{ .target.group }} -n {{ .target.name }}",
        Restart = "az vm restart -g {{ .target.group }} -n {{ .target.name }}",
        Status = "az vm get-instance-view -g {{ .target.group }} -n {{ .target.name }} --query instanceView.statuses[1].displayStatus -o tsv",
    };
}
