using System.Diagnostics;
using Fanout.Execution;
using Fanout.Instances;
using Fanout.Inventory;

namespace Fanout.Core.Tests.Instances;

/// <summary>
/// Instance targets from inventories and instance operations through the library (SPEC I1–I2), with real tmux
/// and git on a private tmux server (<c>-S</c> socket) killed at the end.
/// </summary>
public sealed class InstanceLibraryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-instlib-").FullName;
    private readonly string _socket;
    private readonly string _repo;

    public InstanceLibraryTests()
    {
        _socket = Path.Combine(_dir, "t.sock");
        _repo = Path.Combine(_dir, "repo");
        Directory.CreateDirectory(_repo);
        Run("git", _repo, "init", "-q", "-b", "main");
        File.WriteAllText(Path.Combine(_repo, "a.txt"), "a\n");
        Run("git", _repo, "add", ".");
        Run("git", _repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "init");
    }

    public void Dispose()
    {
        Run("tmux", _dir, "-S", _socket, "kill-server");
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task InstancesSection_MapsFieldsDefaultsAndRelativePaths()
    {
        string inventory = Path.Combine(_dir, "fleet.yaml");
        await File.WriteAllTextAsync(inventory, """
            instances:
              fix-login:
                repository: repo
                program: claude --resume
                tags: {team: web}
                groups: [agents]
              docs.v2:
                repository: repo
                program: aider
                branch: agent/docs
                worktree: /tmp/wt-docs
                session: docs
                socket: t.sock
                base: main
            """);

        Fanout.Inventory.Inventory inv = await InventoryLoader.LoadAsync([inventory], CancellationToken.None);

        InstanceSpec first = inv.Targets[0].Instance!;
        Assert.Equal("fix-login", inv.Targets[0].Name);
        Assert.Equal(_repo, first.Repository);
        Assert.Equal("claude --resume", first.Program);
        Assert.Equal("fanout/fix-login", first.Branch);
        Assert.Equal(Path.Combine(_dir, "repo.worktrees", "fix-login"), first.Worktree);
        Assert.Equal("fanout_fix-login", first.Session);
        Assert.Null(first.Socket);
        Assert.Equal("web", inv.Targets[0].Tags["team"]);
        Assert.Equal(["agents"], inv.Targets[0].Groups);
        Assert.Equal(TransportNames.Local, inv.Targets[0].Transport);

        InstanceSpec second = inv.Targets[1].Instance!;
        Assert.Equal(("agent/docs", "/tmp/wt-docs", "docs", _socket, "main"), (second.Branch, second.Worktree, second.Session, second.Socket, second.BaseRef));
    }

    [Theory]
    [InlineData("instances:\n  a: {repository: r, program: p, brnch: x}\n", "unknown field 'brnch'")]
    [InlineData("instances:\n  a: {repository: r}\n", "instance 'a' needs 'program'")]
    [InlineData("instances:\n  a: {program: p}\n", "instance 'a' needs 'repository'")]
    [InlineData("instances:\n  a: {repository: r, program: ''}\n", "'program' must not be empty")]
    public async Task InstancesSection_BadInput_IsAnErrorWithItsPlace(string yaml, string expected)
    {
        string inventory = Path.Combine(_dir, "bad.yaml");
        await File.WriteAllTextAsync(inventory, yaml);

        InventoryException e = await Assert.ThrowsAsync<InventoryException>(() => InventoryLoader.LoadAsync([inventory], CancellationToken.None));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.StartsWith(inventory + ":", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Operations_ValidateLikeTheDocument_AndRollBack()
    {
        List<Target> fleet = [.. Enumerable.Range(1, 3).Select(i => Instance($"i{i}"))];
        var executor = new BatchExecutor(new ExecutionOptions { MaxConcurrency = 3 });

        BatchResult notStarted = await executor.ExecuteAsync(InstanceOperation.Prompt("hi"), fleet);
        Assert.All(notStarted.Outcomes, o => Assert.Equal("validation failed: instance is not running (not-started)", o.Error));
        BatchResult emptyPrompt = await executor.ExecuteAsync(InstanceOperation.Prompt(""), fleet);
        Assert.All(emptyPrompt.Outcomes, o => Assert.Equal("validation failed: prompt must not be empty", o.Error));
        Assert.Contains("validation failed: not an instance target", (await executor.ExecuteAsync(InstanceOperation.Kill(), [new Target { Name = "plain" }])).Outcomes[0].Error, StringComparison.Ordinal);

        BatchResult started = await executor.ExecuteAsync(InstanceOperation.Start(), fleet);
        Assert.True(started.AllSucceeded, started.CombinedError);
        Assert.All(fleet, t => Assert.Equal(InstanceState.Running, InstanceControl.GetState(t.Instance!)));
        Assert.Equal("validation failed: instance is already started (running)", (await executor.ExecuteAsync(InstanceOperation.Start(), fleet)).Outcomes[0].Error);

        // The document's chain over the fleet with OperationChain: prompt, then pause (commits what the agent wrote).
        IReadOnlyList<BatchResult> steps = await new OperationChain(stopOnFailure: true)
            .Then(InstanceOperation.Prompt("write it down"))
            .Then(Fanout.Operations.Operation.FromDelegate("wait for the agent", async (t, ct) =>
            {
                string file = Path.Combine(t.Instance!.Worktree, "notes.txt");
                for (int i = 0; i < 600 && !File.Exists(file); i++)
                {
                    await Task.Delay(100, ct);
                }

                return File.Exists(file) ? Fanout.Operations.OperationResult.Succeeded() : Fanout.Operations.OperationResult.Failed("agent wrote nothing");
            }))
            .Then(InstanceOperation.Pause())
            .ExecuteAsync(executor, fleet);
        Assert.All(steps, s => Assert.True(s.AllSucceeded, s.CombinedError));
        Assert.All(fleet, t => Assert.Equal(InstanceState.Paused, InstanceControl.GetState(t.Instance!)));
        Assert.Equal("write it down\n", Run("git", _repo, "show", "fanout/i1:notes.txt"));
        Assert.Equal(true, steps[2].Outcomes[0].Data!["committed"]);

        // Atomic resume where one fails (its branch is gone): the resumed ones are paused again.
        Run("git", _repo, "branch", "-D", "fanout/i3");
        BatchResult resumed = await new BatchExecutor(new ExecutionOptions { MaxConcurrency = 1 }).ExecuteWithRollbackAsync(InstanceOperation.Resume(), fleet);
        Assert.False(resumed.AllSucceeded);
        Assert.Contains("branch 'fanout/i3' no longer exists", resumed.Outcomes[2].Error, StringComparison.Ordinal);
        Assert.Equal(2, resumed.Rollbacks.Count);
        Assert.False(resumed.RollbackPartiallyFailed, resumed.CombinedError);
        Assert.All(fleet, t => Assert.Equal(InstanceState.Paused, InstanceControl.GetState(t.Instance!)));

        BatchResult killed = await executor.ExecuteAsync(InstanceOperation.Kill(), fleet);
        Assert.True(killed.AllSucceeded, killed.CombinedError);
        Assert.All(fleet, t => Assert.Equal(InstanceState.NotStarted, InstanceControl.GetState(t.Instance!)));
    }

    [Fact]
    public async Task TmuxSource_DiscoversRunningSessionsByPrefix()
    {
        Run("git", _repo, "worktree", "add", "-q", "-b", "manual", Path.Combine(_dir, "manual"));
        Run("tmux", _dir, "-S", _socket, "new-session", "-d", "-s", "squad_manual", "-c", Path.Combine(_dir, "manual"), "sleep 600");
        Run("tmux", _dir, "-S", _socket, "new-session", "-d", "-s", "other", "-c", _dir, "sleep 600");

        Fanout.Inventory.Inventory inv = await InventoryLoader.LoadAsync([$"tmux:squad_@{_socket}"], CancellationToken.None);

        Target manual = Assert.Single(inv.Targets);
        Assert.Equal("manual", manual.Name);
        Assert.Equal((_repo, "manual", Path.Combine(_dir, "manual"), "squad_manual", _socket), (manual.Instance!.Repository, manual.Instance.Branch, manual.Instance.Worktree, manual.Instance.Session, manual.Instance.Socket));
        Assert.Equal("sleep 600", manual.Instance.Program);
        Assert.Equal(InstanceState.Running, InstanceControl.GetState(manual.Instance));

        Assert.Empty((await InventoryLoader.LoadAsync([$"tmux:squad_@{Path.Combine(_dir, "no-server.sock")}"], CancellationToken.None)).Targets);
    }

    private Target Instance(string title) => new()
    {
        Name = title,
        Instance = new InstanceSpec
        {
            Repository = _repo,
            Program = "sh -c 'while IFS= read -r l; do printf \"%s\\n\" \"$l\" >> notes.txt; done'",
            Branch = InstanceSpec.DefaultBranch(title),
            Worktree = InstanceSpec.DefaultWorktree(_repo, title),
            Session = InstanceSpec.DefaultSession(title),
            Socket = _socket,
        },
    };

    private static string Run(string file, string directory, params string[] args)
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
        return stdout;
    }
}
