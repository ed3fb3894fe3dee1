namespace Fanout.Instances;

/// <summary>
/// What makes a target an agent instance (SPEC I1, docs/instances.md): a program (an AI coding agent)
/// running in a tmux session, working in its own git worktree on its own branch. The target's name is
/// the instance's title. Declared under <c>instances:</c> in a native inventory or discovered from a
/// tmux server (<c>tmux:PREFIX</c>).
/// </summary>
public sealed record InstanceSpec
{
    /// <summary>The git repository the instance's worktree belongs to (an absolute path).</summary>
    public required string Repository { get; init; }

    /// <summary>The program command started in the tmux session (run by tmux through the shell), e.g. <c>claude</c>.</summary>
    public required string Program { get; init; }

    /// <summary>The instance's branch. Created from <see cref="BaseRef"/> by <c>start</c> when it does not exist yet.</summary>
    public required string Branch { get; init; }

    /// <summary>The worktree directory (absolute).</summary>
    public required string Worktree { get; init; }

    /// <summary>The tmux session name.</summary>
    public required string Session { get; init; }

    /// <summary>The tmux server socket path (<c>tmux -S</c>), or <see langword="null"/> for the default server.</summary>
    public string? Socket { get; init; }

    /// <summary>What a new branch starts from (a commit-ish), or <see langword="null"/> for the repository's <c>HEAD</c>.</summary>
    public string? BaseRef { get; init; }

    /// <summary>The session name prefix used when none is given: <c>fanout_</c>; discover these with <c>tmux:fanout_</c>.</summary>
    public const string DefaultSessionPrefix = "fanout_";

    /// <summary>The default branch of an instance: <c>fanout/TITLE</c>.</summary>
    public static string DefaultBranch(string title) => "fanout/" + title;

    /// <summary>The default worktree: <c>REPOSITORY.worktrees/TITLE</c>, beside the repository (never inside it).</summary>
    public static string DefaultWorktree(string repository, string title) =>
        Path.Combine(Path.TrimEndingDirectorySeparator(repository) + ".worktrees", title);

    /// <summary>The default session name: <c>fanout_TITLE</c> with <c>.</c> and <c>:</c> (not allowed by tmux) replaced by <c>_</c>.</summary>
    public static string DefaultSession(string title) => SessionName(DefaultSessionPrefix + title);

    /// <summary>A tmux-safe session name: <c>.</c> and <c>:</c> become <c>_</c>.</summary>
    public static string SessionName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Replace('.', '_').Replace(':', '_');
    }
}
