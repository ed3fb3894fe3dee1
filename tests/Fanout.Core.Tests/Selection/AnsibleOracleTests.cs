using System.Diagnostics;
using System.Text.Json;
using Fanout.Inventory;
using Fanout.Selection;

namespace Fanout.Core.Tests.Selection;

/// <summary>
/// Compares Fanout with the real Ansible (SPEC T3, T5): group membership and host variables with
/// <c>ansible-inventory --list</c>, and <c>--limit</c> results, in order, with <c>ansible --list-hosts</c>.
/// </summary>
public sealed class AnsibleOracleTests
{
    private static readonly string DataDirectory = Path.Combine(AppContext.BaseDirectory, "Selection", "Data");

    public static TheoryData<string> Inventories => new() { "oracle.ini", "oracle.yml", "oracle_dynamic.sh" };

    private static readonly string[] IniPatterns =
    [
        "all", "*", "ungrouped", "web", "web:db", "web,db", "db,web", "prod", "prod:!db", "prod:&web", "web:&app",
        "web:!web0[12]*", "~web0[1-3]", "~db", "~.*example", "web[0:2]", "web[1]", "web[-1]", "web[1:]", "prod[2:4]",
        "prod[10:12]", "app:web[1:0]", "db-*", "db-?", "db-[ab]", "db-[!ab]", "*.example.com", "cache", "&cache", "cache*",
        "!web", "web:!staging:&prod", "&staging:web:!web05.example.com", "!db:web:&prod", "bastion:jump01", "nosuch",
        "nosuch:web[0]", "edge", "lb1", "localhost", "all:!ungrouped", "web01.example.com,db-a", "~(web|db)0?[1a]",
        "web[1-3]", "stag*:app", "all[0:3]", "ungrouped:&all", "db:!db-x:db-x",
    ];

    private static readonly string[] YamlPatterns =
    [
        "all", "frontend", "canary", "frontend:!canary", "fe*", "fe[1:2]", "frontend[0:1]", "all[-1]", "ungrouped",
        "backend:&frontend", "~be-[ab]", "solo*", "monitoring,canary", "*:!backend", "frontend[2:]", "be-[a:c]",
    ];

    private static readonly string[] DynamicPatterns =
    [
        "all", "prod", "webservers:!dyn-web2", "lonely", "dyn-*", "prod[1:3]", "~dyn-(web|db)1", "dbservers:&prod", "!prod",
    ];

    [Theory(Timeout = 60000)]
    [MemberData(nameof(Inventories))]
    public async Task Load_SameFileAsAnsible_GroupsAndHostVarsEqualAnsibleInventoryList(string file)
    {
        string path = Prepare(file);
        Task<string> ansibleTask = RunAnsibleAsync("ansible-inventory", ["-i", path, "--list"]);
        Fanout.Inventory.Inventory inventory = await InventoryLoader.LoadAsync([path], CancellationToken.None);
        using JsonDocument ansible = JsonDocument.Parse(await ansibleTask);

        var expectedGroups = ansible.RootElement.EnumerateObject().Where(p => p.Name != "_meta").Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
        var actualGroups = inventory.Groups.Where(g => g.Targets.Count > 0 || g.Children.Count > 0).Select(g => g.Name).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expectedGroups, actualGroups);
        foreach (JsonProperty group in ansible.RootElement.EnumerateObject().Where(p => p.Name != "_meta"))
        {
            InventoryGroup mine = inventory.FindGroup(group.Name)!;
            Assert.Equal(Names(group.Value, "children"), mine.Children);
            if (group.Name != "all")
            {
                // ansible-inventory leaves 'all' without hosts (they show under 'ungrouped').
                Assert.Equal(Names(group.Value, "hosts"), mine.Targets);
            }
        }

        JsonElement hostvars = ansible.RootElement.GetProperty("_meta").GetProperty("hostvars");
        foreach (Target target in inventory.Targets)
        {
            var expected = hostvars.TryGetProperty(target.Name, out JsonElement vars)
                ? (Dictionary<string, object?>)JsonValues.ToValue(vars)!
                : [];
            var actual = target.Vars.Where(kv => kv.Key != TargetVars.SshPrivateKeyFile).ToDictionary(kv => kv.Key, kv => kv.Value);
            Assert.True(ValueEquality.Equals(expected, actual), $"{file}: vars of {target.Name}: ansible {ValueEquality.Show(expected)} vs fanout {ValueEquality.Show(actual)}");
        }
    }

    /// <summary>Patterns whose order is checked with one <c>ansible --list-hosts</c> process each.</summary>
    private static readonly Dictionary<string, string[]> OrderedPatterns = new()
    {
        ["oracle.ini"] = ["all", "db,web", "!db:web:&prod", "web[1:]", "cache*"],
        ["oracle.yml"] = ["all", "*:!backend"],
        ["oracle_dynamic.sh"] = ["prod"],
    };

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Inventories))]
    public async Task Select_LimitPatterns_EqualAnsibleHosts(string file)
    {
        // Arrange: every pattern runs through the real Ansible pattern engine in ONE process
        // (ansible-playbook --list-hosts, one play per pattern; it prints hosts unordered), and a
        // few through `ansible --list-hosts` (which keeps Ansible's order) to check the order too.
        string path = Prepare(file);
        string[] patterns = file switch
        {
            "oracle.ini" => IniPatterns,
            "oracle.yml" => YamlPatterns,
            _ => DynamicPatterns,
        };

        string playbook = Path.Combine(Path.GetTempPath(), $"fanout-oracle-{Guid.NewGuid():N}.yml");
        await File.WriteAllLinesAsync(playbook, patterns.SelectMany(p => new[]
        {
            $"- hosts: '{p.Replace("'", "''", StringComparison.Ordinal)}'",
            "  gather_facts: false",
            "  tasks: []",
        }));

        Task<string> batch = RunAnsibleAsync("ansible-playbook", ["-i", path, "--list-hosts", playbook]);
        using var gate = new SemaphoreSlim(2);
        Task<(string Pattern, List<string> Hosts)>[] ordered = OrderedPatterns[file].Select(async pattern =>
        {
            await gate.WaitAsync();
            try
            {
                return (pattern, ParseHosts(await RunAnsibleAsync("ansible", ["-i", path, "--list-hosts", pattern]), 0));
            }
            finally
            {
                gate.Release();
            }
        }).ToArray();

        // Act
        Fanout.Inventory.Inventory inventory = await InventoryLoader.LoadAsync([path], CancellationToken.None);
        List<string> Fanout(string pattern) => Selector.Select(inventory, new SelectionCriteria { Limit = pattern }).Select(t => t.Name).ToList();
        string batchOutput = await batch;
        File.Delete(playbook);

        // Assert
        var mismatches = new List<string>();
        for (int i = 0; i < patterns.Length; i++)
        {
            List<string> expected = ParseHosts(batchOutput, i);
            List<string> actual = Fanout(patterns[i]);
            if (!expected.Order(StringComparer.Ordinal).SequenceEqual(actual.Order(StringComparer.Ordinal)))
            {
                mismatches.Add($"'{patterns[i]}': ansible [{string.Join(", ", expected)}] vs fanout [{string.Join(", ", actual)}]");
            }
        }

        foreach ((string pattern, List<string> expected) in await Task.WhenAll(ordered))
        {
            List<string> actual = Fanout(pattern);
            if (!expected.SequenceEqual(actual))
            {
                mismatches.Add($"order of '{pattern}': ansible [{string.Join(", ", expected)}] vs fanout [{string.Join(", ", actual)}]");
            }
        }

        Assert.True(mismatches.Count == 0, string.Join(Environment.NewLine, mismatches));
    }

    private static List<string> Names(JsonElement group, string property) =>
        group.TryGetProperty(property, out JsonElement list) ? list.EnumerateArray().Select(e => e.GetString()!).ToList() : [];

    /// <summary>The host names under the <paramref name="index"/>-th "hosts (N):" header.</summary>
    private static List<string> ParseHosts(string output, int index)
    {
        string[] lines = output.Split('\n');
        var headers = Enumerable.Range(0, lines.Length).Where(i => lines[i].TrimStart().StartsWith("hosts (", StringComparison.Ordinal)).ToList();
        Assert.True(index < headers.Count, $"expected at least {index + 1} host lists in ansible output: {output}");
        string header = lines[headers[index]].Trim();
        int count = int.Parse(header["hosts (".Length..header.IndexOf(')', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
        return lines.Skip(headers[index] + 1).Take(count).Select(l => l.Trim()).ToList();
    }

    private static string Prepare(string file)
    {
        string path = Path.Combine(DataDirectory, file);
        if (file.EndsWith(".sh", StringComparison.Ordinal) && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }

        return path;
    }

    private static async Task<string> RunAnsibleAsync(string program, string[] arguments)
    {
        string? executable = new[] { "/usr/bin", "/usr/local/bin" }.Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);
        Assert.True(executable is not null, $"'{program}' is not installed: the Ansible oracle tests need the Debian package 'ansible' (eng/test-packages.txt)");
        var start = new ProcessStartInfo(executable!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["ANSIBLE_LOCALHOST_WARNING"] = "False";
        start.Environment["ANSIBLE_INVENTORY_UNPARSED_WARNING"] = "False";
        start.Environment["ANSIBLE_HOST_KEY_CHECKING"] = "False";
        start.Environment["ANSIBLE_NOCOLOR"] = "1";
        start.Environment["ANSIBLE_DEPRECATION_WARNINGS"] = "False";
        start.Environment["ANSIBLE_INVENTORY_ENABLED"] = "script,yaml,ini";
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await stderr}");
        return await stdout;
    }
}
