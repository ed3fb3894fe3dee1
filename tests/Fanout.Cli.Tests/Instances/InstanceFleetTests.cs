using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Fanout.Cli.Tests.Instances;

/// <summary>
/// Agent-instance fleets through the real <c>fanout</c> executable with real tmux and git (issue 16, SPEC I1–I2):
/// a throwaway repository, a stand-in agent (appends every line it receives to received.txt in its worktree and
/// prints a prompt), 20 instances started in waves of 5, prompts, pause/resume, an atomic pause where one
/// instance fails, chains, discovery and kill. Everything runs on a private tmux server (<c>tmux -S</c>) that
/// the test kills at the end.
/// </summary>
public sealed class InstanceFleetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-inst-").FullName;
    private readonly string _socket;
    private readonly string _repo;
    private readonly string _inventory;

    public InstanceFleetTests()
    {
        _socket = Path.Combine(_dir, "tmux.sock");
        _repo = Path.Combine(_dir, "repo");
        Directory.CreateDirectory(_repo);
        Git(_repo, "init", "-q", "-b", "main");
        File.WriteAllText(Path.Combine(_repo, "README.md"), "throwaway\n");
        Git(_repo, "add", "README.md");
        Git(_repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "init");

        string agent = Path.Combine(_dir, "agent.sh");
        File.WriteAllText(agent, """
            #!/bin/sh
            printf 'agent ready> '
            while IFS= read -r line; do
              printf '%s\n' "$line" >> received.txt
              printf 'got: %s\nagent ready> ' "$line"
            done
            """);

        var yaml = new StringBuilder("instances:\n");
        for (int i = 1; i <= 20; i++)
        {
            yaml.Append($"  a{i:D2}:\n    repository: repo\n    program: sh {agent}\n    socket: tmux.sock\n    tags: {{team: {(i % 2 == 0 ? "even" : "odd")}}}\n");
        }

        _inventory = Path.Combine(_dir, "fleet.yaml");
        File.WriteAllText(_inventory, yaml.ToString());
    }

    public void Dispose()
    {
        Run("tmux", _dir, "-S", _socket, "kill-server");
        Directory.Delete(_dir, recursive: true);
    }

    [Fact(Timeout = 600_000)]
    public async Task Fleet_StartPromptPauseResumeAtomicChainKill()
    {
        // 20 instances started in waves of 5.
        (int exit, string stdout, string stderr) = await FanoutAsync("instance", "start", "-i", _inventory, "--all", "--yes", "--batch-size", "5", "--parallel", "5", "-o", "json");
        Assert.True(exit == 0, stdout + stderr);
        JsonElement started = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(4, started.GetProperty("waveCount").GetInt32());
        Assert.Equal(20, started.GetProperty("summary").GetProperty("succeeded").GetInt32());
        Assert.All(Enumerable.Range(1, 20), i => Assert.Equal((i + 4) / 5, started.GetProperty("targets")[i - 1].GetProperty("wave").GetInt32()));
        Assert.Equal(20, Sessions().Count(s => s.StartsWith("fanout_a", StringComparison.Ordinal)));
        Assert.All(Titles(), t => Assert.True(Directory.Exists(Worktree(t)), t));

        // Starting again fails validation, nothing changes.
        (exit, stdout, _) = await FanoutAsync("instance", "start", "-i", _inventory, "--pattern", "a01", "-o", "json");
        Assert.Equal(1, exit);
        Assert.Contains("validation failed: instance is already started (running)", stdout, StringComparison.Ordinal);

        // A prompt reaches every instance.
        (exit, stdout, stderr) = await FanoutAsync("instance", "prompt", "hello fleet", "-i", _inventory, "--all", "--yes");
        Assert.True(exit == 0, stdout + stderr);
        await WaitForAsync(() => Titles().All(t => Received(t).Contains("hello fleet", StringComparison.Ordinal)), "every agent received the prompt");

        // Discovery from the tmux server sees the 20 running instances like any target.
        (exit, stdout, stderr) = await FanoutAsync("targets", "-i", $"tmux:fanout_@{_socket}", "-o", "json");
        Assert.True(exit == 0, stdout + stderr);
        Assert.Equal(20, JsonDocument.Parse(stdout).RootElement.GetProperty("targets").GetArrayLength());

        // Pause the odd team: changes committed on the branch, worktree removed, session stopped.
        (exit, stdout, stderr) = await FanoutAsync("instance", "pause", "-i", _inventory, "--tag", "team=odd");
        Assert.True(exit == 0, stdout + stderr);
        Assert.False(Directory.Exists(Worktree("a01")));
        Assert.DoesNotContain("fanout_a01", Sessions());
        Assert.Contains("hello fleet", Git(_repo, "show", "fanout/a01:received.txt"), StringComparison.Ordinal);
        Assert.Contains("fanout_a02", Sessions());
        (_, stdout, _) = await FanoutAsync("instance", "list", "-i", _inventory, "-o", "json");
        JsonElement list = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(10, list.EnumerateArray().Count(r => r.GetProperty("state").GetString() == "paused"));
        Assert.Equal(10, list.EnumerateArray().Count(r => r.GetProperty("state").GetString() == "running"));

        // A paused instance takes no prompt (the document's validation).
        (exit, stdout, _) = await FanoutAsync("instance", "prompt", "are you there", "-i", _inventory, "--pattern", "a01", "-o", "json");
        Assert.Equal(1, exit);
        Assert.Contains("validation failed: instance is not running (paused)", stdout, StringComparison.Ordinal);

        // Resume restores the worktree from the branch and restarts the program.
        (exit, stdout, stderr) = await FanoutAsync("instance", "resume", "-i", _inventory, "--tag", "team=odd");
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("hello fleet", Received("a01"), StringComparison.Ordinal);
        Assert.Contains("fanout_a01", Sessions());

        // --atomic pause where one instance fails: the paused ones are resumed.
        string gitDir = Git(Worktree("a05"), "rev-parse", "--absolute-git-dir").Trim();
        File.WriteAllText(Path.Combine(Worktree("a05"), "work.txt"), "unsaved\n");
        File.WriteAllText(Path.Combine(gitDir, "index.lock"), string.Empty);
        (exit, stdout, stderr) = await FanoutAsync("instance", "pause", "-i", _inventory, "--pattern", "a0[1-5]", "--atomic", "--parallel", "1", "-o", "json");
        Assert.True(exit == 1, stdout + stderr);
        JsonElement atomic = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(4, atomic.GetProperty("rollbacks").GetArrayLength());
        Assert.All(atomic.GetProperty("rollbacks").EnumerateArray(), r => Assert.True(r.GetProperty("succeeded").GetBoolean(), r.ToString()));
        Assert.Contains("committing the worktree failed", atomic.GetProperty("targets")[4].GetProperty("error").GetString(), StringComparison.Ordinal);
        foreach (string t in new[] { "a01", "a02", "a03", "a04", "a05" })
        {
            Assert.Contains("fanout_" + t, Sessions());
            Assert.True(Directory.Exists(Worktree(t)), t);
        }

        File.Delete(Path.Combine(gitDir, "index.lock"));

        // Preview captures the pane.
        (exit, stdout, stderr) = await FanoutAsync("instance", "preview", "-i", _inventory, "--pattern", "a03", "-o", "json");
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("agent ready>", JsonDocument.Parse(stdout).RootElement.GetProperty("targets")[0].GetProperty("stdout").GetString(), StringComparison.Ordinal);

        // Chains: the document's pause → prompt → resume stops at the prompt (a paused instance takes no prompt);
        // prompt → pause and resume → prompt work.
        (exit, stdout, _) = await FanoutAsync("instance", "chain", "pause", "prompt:Review changes", "resume", "-i", _inventory, "--pattern", "a06", "-o", "json");
        Assert.Equal(1, exit);
        Assert.Equal("step 'instance prompt' failed: validation failed: instance is not running (paused)", JsonDocument.Parse(stdout).RootElement.GetProperty("targets")[0].GetProperty("error").GetString());
        (exit, stdout, stderr) = await FanoutAsync("instance", "chain", "resume", "prompt:Review changes", "-i", _inventory, "--pattern", "a06");
        Assert.True(exit == 0, stdout + stderr);
        await WaitForAsync(() => Received("a06").Contains("Review changes", StringComparison.Ordinal), "a06 received the chained prompt");

        // Kill cleans up sessions and worktrees; branches stay.
        (exit, stdout, stderr) = await FanoutAsync("instance", "kill", "-i", _inventory, "--all", "--yes");
        Assert.True(exit == 0, stdout + stderr);
        Assert.DoesNotContain(Sessions(), s => s.StartsWith("fanout_", StringComparison.Ordinal));
        Assert.All(Titles(), t => Assert.False(Directory.Exists(Worktree(t)), t));
        Assert.Contains("fanout/a20", Git(_repo, "branch", "--list", "fanout/*"), StringComparison.Ordinal);
        (_, stdout, _) = await FanoutAsync("instance", "list", "-i", _inventory, "-o", "json");
        Assert.All(JsonDocument.Parse(stdout).RootElement.EnumerateArray(), r => Assert.Equal("not-started", r.GetProperty("state").GetString()));
    }

    [Fact(Timeout = 120_000)]
    public async Task Instance_BadInput_ExitsTwoAndRunsNothing()
    {
        (int exit, _, string stderr) = await FanoutAsync("instance", "chain", "pause", "explode", "-i", _inventory, "--all", "--yes");
        Assert.Equal(2, exit);
        Assert.Contains("unknown instance step 'explode'", stderr, StringComparison.Ordinal);

        (exit, _, stderr) = await FanoutAsync("instance", "prompt", " ", "-i", _inventory, "--all", "--yes");
        Assert.Equal(2, exit);
        Assert.Contains("the prompt must not be empty", stderr, StringComparison.Ordinal);
        Assert.Empty(Sessions());
    }

    private static IEnumerable<string> Titles() => Enumerable.Range(1, 20).Select(i => $"a{i:D2}");

    private string Worktree(string title) => Path.Combine(_dir, "repo.worktrees", title);

    private string Received(string title)
    {
        string path = Path.Combine(Worktree(title), "received.txt");
        return File.Exists(path) ? File.ReadAllText(path) : string.Empty;
    }

    private string[] Sessions() =>
        Run("tmux", _dir, "-S", _socket, "list-sessions", "-F", "#{session_name}").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "timed out waiting until " + what);
            await Task.Delay(100);
        }
    }

    private static string Git(string directory, params string[] args)
    {
        (int exit, string stdout, string stderr) = Run("git", directory, args);
        Assert.True(exit == 0, $"git {string.Join(' ', args)}: {stderr}");
        return stdout;
    }

    private static (int Exit, string Stdout, string Stderr) Run(string file, string directory, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment.Remove("TMUX");
        using Process p = Process.Start(start)!;
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout, stderr.Result);
    }

    private async Task<(int Exit, string Stdout, string Stderr)> FanoutAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, WorkingDirectory = _dir };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "fanout.dll"));
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["FANOUT_STORE"] = Path.Combine(_dir, "runs.db");
        start.Environment.Remove("FANOUT_INVENTORY");
        start.Environment.Remove("TMUX");
        using Process p = Process.Start(start)!;
        p.StandardInput.Close();
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout, await stderr);
    }
}
