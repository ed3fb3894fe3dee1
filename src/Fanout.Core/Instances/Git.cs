using System.Collections.Concurrent;

namespace Fanout.Instances;

/// <summary>The git commands instances need: worktrees and branches of one repository, and pause commits.</summary>
internal static class Git
{
    public const string Executable = "git";

    /// <summary>Worktree bookkeeping of one repository is serialised within this process (git locks it only partly).</summary>
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> RepositoryLocks = new(StringComparer.Ordinal);

    public static Task<InstanceProcess.Result> RunAsync(string directory, CancellationToken ct, params string[] args) =>
        InstanceProcess.RunAsync(Executable, ["-C", directory, .. args], directory, ct);

    public static bool IsRepository(string path) =>
        Directory.Exists(path) && InstanceProcess.Run(Executable, ["-C", path, "rev-parse", "--git-dir"]).Ok;

    public static async Task<T> WithRepositoryLockAsync<T>(string repository, Func<Task<T>> action, CancellationToken ct)
    {
        SemaphoreSlim gate = RepositoryLocks.GetOrAdd(Path.GetFullPath(repository), _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return await action().ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    public static async Task<bool> BranchExistsAsync(string repository, string branch, CancellationToken ct) =>
        (await RunAsync(repository, ct, "show-ref", "--verify", "--quiet", "refs/heads/" + branch).ConfigureAwait(false)).Ok;

    /// <summary>Creates the worktree on <paramref name="spec"/>'s branch, creating the branch from its base when it does not exist.</summary>
    public static Task<InstanceProcess.Result> AddWorktreeAsync(InstanceSpec spec, bool mayCreateBranch, CancellationToken ct) =>
        WithRepositoryLockAsync(spec.Repository, async () =>
        {
            Directory.CreateDirectory(Path.GetDirectoryName(spec.Worktree)!);
            await RunAsync(spec.Repository, ct, "worktree", "prune").ConfigureAwait(false);
            if (await BranchExistsAsync(spec.Repository, spec.Branch, ct).ConfigureAwait(false))
            {
                return await RunAsync(spec.Repository, ct, "worktree", "add", spec.Worktree, spec.Branch).ConfigureAwait(false);
            }

            if (!mayCreateBranch)
            {
                return new InstanceProcess.Result(1, string.Empty, $"branch '{spec.Branch}' no longer exists");
            }

            string[] args = spec.BaseRef is null
                ? ["worktree", "add", "-b", spec.Branch, spec.Worktree]
                : ["worktree", "add", "-b", spec.Branch, spec.Worktree, spec.BaseRef];
            return await RunAsync(spec.Repository, ct, args).ConfigureAwait(false);
        }, ct);

    public static Task<InstanceProcess.Result> RemoveWorktreeAsync(InstanceSpec spec, CancellationToken ct) =>
        WithRepositoryLockAsync(spec.Repository, async () =>
        {
            InstanceProcess.Result removed = await RunAsync(spec.Repository, ct, "worktree", "remove", "--force", spec.Worktree).ConfigureAwait(false);
            await RunAsync(spec.Repository, ct, "worktree", "prune").ConfigureAwait(false);
            return removed;
        }, ct);

    /// <summary>Stages everything in the worktree and commits it when something changed. Returns the branch head afterwards.</summary>
    public static async Task<(InstanceProcess.Result Result, bool Committed, string? Head)> CommitAllAsync(string worktree, string message, CancellationToken ct)
    {
        InstanceProcess.Result add = await RunAsync(worktree, ct, "add", "-A").ConfigureAwait(false);
        if (!add.Ok)
        {
            return (add, false, null);
        }

        bool changed = !(await RunAsync(worktree, ct, "diff", "--cached", "--quiet").ConfigureAwait(false)).Ok;
        if (changed)
        {
            // A repository without an identity still gets a pause commit, attributed to Fanout.
            bool hasIdentity = (await RunAsync(worktree, ct, "config", "user.email").ConfigureAwait(false)).Ok;
            string[] identity = hasIdentity ? [] : ["-c", "user.name=Fanout", "-c", "user.email=fanout@localhost"];
            InstanceProcess.Result commit = await RunAsync(worktree, ct, [.. identity, "commit", "--quiet", "--no-verify", "-m", message]).ConfigureAwait(false);
            if (!commit.Ok)
            {
                return (commit, false, null);
            }
        }

        InstanceProcess.Result head = await RunAsync(worktree, ct, "rev-parse", "HEAD").ConfigureAwait(false);
        return (head, changed, head.Ok ? head.Stdout.Trim() : null);
    }
}
