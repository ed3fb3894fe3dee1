namespace Fanout.Inventory;

/// <summary>The kinds of inventory files.</summary>
internal enum InventoryFormat
{
    /// <summary>YAML or JSON: native or Ansible YAML, told apart by shape.</summary>
    Yaml,

    /// <summary>Ansible INI.</summary>
    Ini,

    /// <summary>An executable Ansible dynamic inventory.</summary>
    Dynamic,
}

/// <summary>Chooses the format of an inventory file.</summary>
internal static class InventoryFormats
{
    private static readonly string[] DataExtensions = [".yml", ".yaml", ".json", ".ini"];

    /// <summary>
    /// Executable files (other than .yml/.yaml/.json/.ini, which often carry stray execute bits) are
    /// dynamic inventories; .yml/.yaml/.json are YAML; everything else is INI, like Ansible.
    /// </summary>
    public static InventoryFormat Detect(string path)
    {
        string extension = Path.GetExtension(path).ToLowerInvariant();
        if (!DataExtensions.Contains(extension) && IsExecutable(path))
        {
            return InventoryFormat.Dynamic;
        }

        return extension is ".yml" or ".yaml" or ".json" ? InventoryFormat.Yaml : InventoryFormat.Ini;
    }

    private static bool IsExecutable(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        UnixFileMode mode = File.GetUnixFileMode(path);
        return (mode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
    }
}
