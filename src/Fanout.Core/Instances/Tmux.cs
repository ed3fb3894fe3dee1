namespace Fanout.Instances;

/// <summary>The tmux commands instances need, against the default server or a socket (<c>tmux -S PATH</c>).</summary>
internal static class Tmux
{
    /// <summary>The tmux executable (on PATH).</summary>
    public const string Executable = "tmux";

    /// <summary>The tmux user options Fanout records on sessions it starts, read back by discovery.</summary>
    public static readonly string[] MetadataOptions = ["@fanout_title", "@fanout_repository", "@fanout_branch", "@fanout_worktree", "@fanout_program"];

    public static IEnumerable<string> Args(string? socket, params string[] args) =>
        socket is null ? args : ["-S", socket, .. args];

    /// <summary>An exact-match target for a session's active pane (<c>=NAME:</c>), so <c>web</c> never means <c>web2</c>.</summary>
    public static string PaneTarget(string session) => "=" + session + ":";

    public static bool HasSession(InstanceSpec spec) =>
        InstanceProcess.Run(Executable, Args(spec.Socket, "has-session", "-t", "=" + spec.Session)).Ok;

    public static async Task<bool> HasSessionAsync(InstanceSpec spec, CancellationToken ct) =>
        (await InstanceProcess.RunAsync(Executable, Args(spec.Socket, "has-session", "-t", "=" + spec.Session), null, ct).ConfigureAwait(false)).Ok;

    public static async Task<InstanceProcess.Result> NewSessionAsync(string title, InstanceSpec spec, CancellationToken ct)
    {
        InstanceProcess.Result created = await InstanceProcess.RunAsync(
            Executable,
            Args(spec.Socket, "new-session", "-d", "-s", spec.Session, "-c", spec.Worktree, "-x", "200", "-y", "50", "-e", "FANOUT_INSTANCE=" + title, spec.Program),
            spec.Worktree,
            ct).ConfigureAwait(false);
        if (!created.Ok)
        {
            return created;
        }

        string[] values = [title, spec.Repository, spec.Branch, spec.Worktree, spec.Program];
        for (int i = 0; i < MetadataOptions.Length; i++)
        {
            InstanceProcess.Result set = await InstanceProcess.RunAsync(Executable, Args(spec.Socket, "set-option", "-t", PaneTarget(spec.Session), MetadataOptions[i], values[i]), null, ct).ConfigureAwait(false);
            if (!set.Ok)
            {
                return set;
            }
        }

        return created;
    }

    public static Task<InstanceProcess.Result> KillSessionAsync(InstanceSpec spec, CancellationToken ct) =>
        InstanceProcess.RunAsync(Executable, Args(spec.Socket, "kill-session", "-t", "=" + spec.Session), null, ct);

    public static async Task<InstanceProcess.Result> SendTextAsync(InstanceSpec spec, string text, CancellationToken ct)
    {
        InstanceProcess.Result typed = await InstanceProcess.RunAsync(Executable, Args(spec.Socket, "send-keys", "-t", PaneTarget(spec.Session), "-l", "--", text), null, ct).ConfigureAwait(false);
        return typed.Ok
            ? await InstanceProcess.RunAsync(Executable, Args(spec.Socket, "send-keys", "-t", PaneTarget(spec.Session), "Enter"), null, ct).ConfigureAwait(false)
            : typed;
    }

    public static Task<InstanceProcess.Result> CapturePaneAsync(InstanceSpec spec, CancellationToken ct) =>
        InstanceProcess.RunAsync(Executable, Args(spec.Socket, "capture-pane", "-p", "-J", "-t", PaneTarget(spec.Session)), null, ct);
}
