using System.Globalization;
using System.Text.Json;
using Fanout.Inventory;

namespace Fanout.Instances;

/// <summary>
/// Reads an instance's state from the world and performs the state changes behind
/// <see cref="InstanceOperation"/>. The state lives in tmux (the session), git (worktree and branch)
/// and a pause marker file beside the worktree (<c>WORKTREE.fanout-paused</c>), so any process sees it.
/// </summary>
public static class InstanceControl
{
    /// <summary>The suffix of the pause marker written beside a paused instance's (removed) worktree.</summary>
    public const string PauseMarkerSuffix = ".fanout-paused";

    /// <summary>The pause marker path of <paramref name="spec"/>.</summary>
    public static string PauseMarker(InstanceSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Path.TrimEndingDirectorySeparator(spec.Worktree) + PauseMarkerSuffix;
    }

    /// <summary>The instance's current state (runs <c>tmux has-session</c>).</summary>
    public static InstanceState GetState(InstanceSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (Tmux.HasSession(spec))
        {
            return InstanceState.Running;
        }

        if (File.Exists(PauseMarker(spec)))
        {
            return InstanceState.Paused;
        }

        return Directory.Exists(spec.Worktree) ? InstanceState.Exited : InstanceState.NotStarted;
    }

    internal static async Task<string?> StartAsync(Target target, InstanceSpec spec, CancellationToken ct)
    {
        InstanceProcess.Result worktree = await Git.AddWorktreeAsync(spec, mayCreateBranch: true, ct).ConfigureAwait(false);
        if (!worktree.Ok)
        {
            return "git worktree add failed: " + worktree.Reason;
        }

        InstanceProcess.Result session = await Tmux.NewSessionAsync(target.Name, spec, ct).ConfigureAwait(false);
        if (!session.Ok)
        {
            await Git.RemoveWorktreeAsync(spec, CancellationToken.None).ConfigureAwait(false);
            return "tmux new-session failed: " + session.Reason;
        }

        return null;
    }

    internal static async Task<(string? Error, string? Commit, bool Committed)> PauseAsync(Target target, InstanceSpec spec, TimeProvider time, CancellationToken ct)
    {
        string? head = null;
        bool committed = false;
        if (Directory.Exists(spec.Worktree))
        {
            string message = $"fanout: pause {target.Name} at {time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}";
            (InstanceProcess.Result result, committed, head) = await Git.CommitAllAsync(spec.Worktree, message, ct).ConfigureAwait(false);
            if (!result.Ok)
            {
                return ("committing the worktree failed: " + result.Reason, null, false);
            }
        }

        if (await Tmux.HasSessionAsync(spec, ct).ConfigureAwait(false))
        {
            InstanceProcess.Result killed = await Tmux.KillSessionAsync(spec, ct).ConfigureAwait(false);
            if (!killed.Ok)
            {
                return ("tmux kill-session failed: " + killed.Reason, head, committed);
            }
        }

        if (Directory.Exists(spec.Worktree))
        {
            InstanceProcess.Result removed = await Git.RemoveWorktreeAsync(spec, ct).ConfigureAwait(false);
            if (!removed.Ok)
            {
                return ("git worktree remove failed: " + removed.Reason, head, committed);
            }
        }

        var marker = new Dictionary<string, string?>
        {
            ["title"] = target.Name,
            ["branch"] = spec.Branch,
            ["commit"] = head,
            ["pausedAt"] = time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture),
        };
        await File.WriteAllTextAsync(PauseMarker(spec), JsonSerializer.Serialize(marker), ct).ConfigureAwait(false);
        return (null, head, committed);
    }

    internal static async Task<string?> ResumeAsync(Target target, InstanceSpec spec, CancellationToken ct)
    {
        if (!Directory.Exists(spec.Worktree))
        {
            InstanceProcess.Result worktree = await Git.AddWorktreeAsync(spec, mayCreateBranch: false, ct).ConfigureAwait(false);
            if (!worktree.Ok)
            {
                return "git worktree add failed: " + worktree.Reason;
            }
        }

        InstanceProcess.Result session = await Tmux.NewSessionAsync(target.Name, spec, ct).ConfigureAwait(false);
        if (!session.Ok)
        {
            return "tmux new-session failed: " + session.Reason;
        }

        File.Delete(PauseMarker(spec));
        return null;
    }

    internal static async Task<string?> KillAsync(InstanceSpec spec, CancellationToken ct)
    {
        if (await Tmux.HasSessionAsync(spec, ct).ConfigureAwait(false))
        {
            InstanceProcess.Result killed = await Tmux.KillSessionAsync(spec, ct).ConfigureAwait(false);
            if (!killed.Ok && await Tmux.HasSessionAsync(spec, ct).ConfigureAwait(false))
            {
                return "tmux kill-session failed: " + killed.Reason;
            }
        }

        if (Directory.Exists(spec.Worktree))
        {
            InstanceProcess.Result removed = await Git.RemoveWorktreeAsync(spec, ct).ConfigureAwait(false);
            if (!removed.Ok)
            {
                return "git worktree remove failed: " + removed.Reason;
            }
        }

        File.Delete(PauseMarker(spec));
        return null;
    }
}
