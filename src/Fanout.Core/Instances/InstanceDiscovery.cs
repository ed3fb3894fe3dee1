using Fanout.Inventory;

namespace Fanout.Instances;

/// <summary>
/// The <c>tmux:PREFIX</c> inventory source (SPEC I1): every session of a tmux server whose name starts
/// with PREFIX and whose directory is a git worktree becomes an instance target. <c>tmux:PREFIX@SOCKET</c>
/// asks the server at SOCKET (<c>tmux -S</c>). Sessions started by Fanout carry their title, repository,
/// branch, worktree and program as tmux user options; for other sessions they are read from git and tmux.
/// No server running means no instances (not an error).
/// </summary>
internal static class InstanceDiscovery
{
    public const string Prefix = "tmux:";

    private const char Separator = '\u001f';

    public static async Task AddAsync(string spec, InventorySource source, InventoryBuilder builder, CancellationToken cancellationToken)
    {
        string rest = spec[Prefix.Length..];
        int at = rest.IndexOf('@', StringComparison.Ordinal);
        string prefix = at < 0 ? rest : rest[..at];
        string? socket = at < 0 ? null : Path.GetFullPath(rest[(at + 1)..]);
        if (socket is { Length: 0 })
        {
            throw new InventoryException("empty socket path after '@'", source.Name);
        }

        string format = string.Join(Separator, ["#{session_name}", "#{session_path}", .. Tmux.MetadataOptions.Select(o => "#{" + o + "}")]);
        InstanceProcess.Result list;
        try
        {
            list = await InstanceProcess.RunAsync(Tmux.Executable, Tmux.Args(socket, "list-sessions", "-F", format), null, cancellationToken).ConfigureAwait(false);
        }
        catch (FanoutException e)
        {
            throw new InventoryException(e.Message, source.Name, innerException: e);
        }

        if (!list.Ok)
        {
            if (list.Stderr.Contains("no server running", StringComparison.Ordinal) || list.Stderr.Contains("error connecting", StringComparison.Ordinal))
            {
                return;
            }

            throw new InventoryException($"tmux list-sessions failed: {list.Reason}", source.Name);
        }

        foreach (string line in list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] f = line.Split(Separator);
            if (f.Length < 7 || !f[0].StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            string session = f[0];
            string title = Value(f[2]) ?? session[prefix.Length..];
            string worktree = Value(f[5]) ?? f[1];
            string? repository = Value(f[3]) ?? await RepositoryOfAsync(worktree, cancellationToken).ConfigureAwait(false);
            if (title.Length == 0 || repository is null)
            {
                continue;
            }

            string? branch = Value(f[4]) ?? await BranchOfAsync(worktree, cancellationToken).ConfigureAwait(false);
            string program = Value(f[6]) ?? await ProgramOfAsync(session, socket, cancellationToken).ConfigureAwait(false) ?? Environment.GetEnvironmentVariable("SHELL") ?? "sh";
            InventoryBuilder.HostNode host = builder.AddHost(title, source.At(), group: null);
            void Set(string field, string? value)
            {
                if (value is not null)
                {
                    builder.SetHostField(host, InventoryBuilder.InstanceFieldPrefix + field, value, source.At());
                }
            }

            Set("repository", repository);
            Set("program", program);
            Set("branch", branch);
            Set("worktree", worktree);
            Set("session", session);
            Set("socket", socket);
        }
    }

    private static string? Value(string field) => field.Length == 0 ? null : field;

    private static async Task<string?> RepositoryOfAsync(string worktree, CancellationToken ct)
    {
        if (!Directory.Exists(worktree))
        {
            return null;
        }

        InstanceProcess.Result common = await Git.RunAsync(worktree, ct, "rev-parse", "--path-format=absolute", "--git-common-dir").ConfigureAwait(false);
        if (!common.Ok)
        {
            return null;
        }

        string dir = Path.TrimEndingDirectorySeparator(common.Stdout.Trim());
        return Path.GetFileName(dir) == ".git" ? Path.GetDirectoryName(dir) : dir;
    }

    private static async Task<string?> BranchOfAsync(string worktree, CancellationToken ct)
    {
        InstanceProcess.Result branch = await Git.RunAsync(worktree, ct, "branch", "--show-current").ConfigureAwait(false);
        return branch.Ok && branch.Stdout.Trim() is { Length: > 0 } name ? name : null;
    }

    private static async Task<string?> ProgramOfAsync(string session, string? socket, CancellationToken ct)
    {
        InstanceProcess.Result panes = await InstanceProcess.RunAsync(Tmux.Executable, Tmux.Args(socket, "list-panes", "-t", Tmux.PaneTarget(session), "-F", "#{pane_start_command}"), null, ct).ConfigureAwait(false);
        return panes.Ok && panes.Stdout.Split('\n')[0].Trim() is { Length: > 0 } command ? Unquote(command) : null;
    }

    /// <summary>tmux shows a start command given as one argument in double quotes, with <c>"</c>, <c>\</c> and <c>$</c> escaped.</summary>
    private static string Unquote(string command)
    {
        if (command.Length < 2 || command[0] != '"' || command[^1] != '"')
        {
            return command;
        }

        var text = new System.Text.StringBuilder(command.Length);
        for (int i = 1; i < command.Length - 1; i++)
        {
            if (command[i] == '\\' && i + 1 < command.Length - 1)
            {
                i++;
            }

            text.Append(command[i]);
        }

        return text.ToString();
    }
}
