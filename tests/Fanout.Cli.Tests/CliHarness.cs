namespace Fanout.Cli.Tests;

/// <summary>Runs the CLI in-process with a captured console and a temporary working directory.</summary>
internal sealed class CliHarness : IDisposable
{
    public CliHarness()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("fanout-cli-").FullName;
        Marker = Path.Combine(Directory, "marker");
    }

    public string Directory { get; }

    /// <summary>A file that commands under test create when they run; its absence proves nothing ran.</summary>
    public string Marker { get; }

    public TestConsoleOutput Console { get; private set; } = new();

    public Dictionary<string, string> Environment { get; } = [];

    public string WriteInventory(int count = 3, string name = "inventory.yaml")
    {
        var text = new System.Text.StringBuilder("targets:\n");
        for (int i = 1; i <= count; i++)
        {
            string env = i % 2 == 1 ? "prod" : "staging";
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"  node-{i:00}: {{ transport: local, tags: {{ env: {env} }}, groups: [{(i <= 2 ? "web" : "db")}] }}\n");
        }

        return WriteFile(name, text.ToString());
    }

    public string WriteFile(string name, string content)
    {
        string path = Path.Combine(Directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    public async Task<(int Exit, string Stdout, string Stderr)> RunAsync(TestConsoleOutput console, params string[] args)
    {
        Console = console;
        var context = new CliContext
        {
            Console = console,
            CurrentDirectory = Directory,
            GetEnvironmentVariable = name => Environment.GetValueOrDefault(name),
            HelpWidth = 100,
        };
        int exit = await FanoutApp.RunAsync(args, context, CancellationToken.None);
        return (exit, console.OutWriter.ToString(), console.ErrorWriter.ToString());
    }

    public Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args) => RunAsync(new TestConsoleOutput(), args);

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
