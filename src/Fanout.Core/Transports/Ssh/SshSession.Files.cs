using System.Formats.Tar;
using System.Globalization;
using System.Text;

namespace Fanout.Transports.Ssh;

/// <summary>
/// File transfer over the session's own connection. SSH.NET 2026 cannot open the sftp subsystem
/// on an existing connection (only SftpClient with a connection of its own, which would double
/// the handshakes and break the wave's connection bound), so the transfer uses exec channels:
/// GNU find/sha256sum for inspection and one tar stream for all writes.
/// </summary>
internal sealed partial class SshSession : IFileTransferSession
{
    public async Task<IReadOnlyList<FileEntry>> ListAsync(string root, IReadOnlyList<string>? only, CancellationToken cancellationToken)
    {
        string starts = only is null ? "." : string.Join(' ', only.Select(p => ShellQuote.Quote("./" + p)));
        string script = $"[ -e {Q(root)} ] || exit 0; [ -d {Q(root)} ] || {{ echo 'not a directory' >&2; exit 3; }}; cd {Q(root)} && find {starts} -mindepth {(only is null ? 1 : 0)} -maxdepth {(only is null ? 1000 : 0)} -printf '%y %m %s %p\\0%l\\0' 2>/dev/null; exit 0";
        byte[] output = await RunScriptAsync(script, (byte[]?)null, $"list {root}", cancellationToken).ConfigureAwait(false);
        string[] fields = Encoding.UTF8.GetString(output).Split('\0');
        var entries = new List<FileEntry>();
        for (int i = 0; i + 1 < fields.Length; i += 2)
        {
            string[] head = fields[i].Split(' ', 4);
            string path = head[3].StartsWith("./", StringComparison.Ordinal) ? head[3][2..] : head[3];
            FileEntryKind kind = head[0] switch { "d" => FileEntryKind.Directory, "l" => FileEntryKind.Symlink, "f" => FileEntryKind.File, _ => (FileEntryKind)(-1) };
            if ((int)kind < 0)
            {
                continue; // sockets, fifos, devices: not sync's business
            }

            entries.Add(new FileEntry(path, kind, long.Parse(head[2], CultureInfo.InvariantCulture),
                (UnixFileMode)Convert.ToInt32(head[1], 8), kind == FileEntryKind.Symlink ? fields[i + 1] : null));
        }

        return entries;
    }

    public async Task<IReadOnlyDictionary<string, string>> HashAsync(string root, IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (paths.Count == 0)
        {
            return result;
        }

        byte[] list = Encoding.UTF8.GetBytes(string.Concat(paths.Select(p => "./" + p + "\0")));
        byte[] output = await RunScriptAsync($"cd {Q(root)} && xargs -0 sha256sum -z --", list, $"hash files in {root}", cancellationToken).ConfigureAwait(false);
        foreach (string line in Encoding.UTF8.GetString(output).Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            string path = line[66..];
            result[path.StartsWith("./", StringComparison.Ordinal) ? path[2..] : path] = line[..64];
        }

        return result;
    }

    public async Task WriteAsync(string root, IReadOnlyList<FileEntry> items, CancellationToken cancellationToken)
    {
        if (items.Count == 0)
        {
            await RunScriptAsync($"mkdir -p {Q(root)}", (byte[]?)null, $"create {root}", cancellationToken).ConfigureAwait(false);
            return;
        }

        // Files travel under a temporary name and are renamed into place once the archive is complete,
        // so a connection or controller dying mid-stream never leaves a truncated file under its final name.
        string script = $"mkdir -p {Q(root)} && tar -x -p --no-same-owner -C {Q(root)} -f -";
        await RunScriptAsync(script, async (channel, ct) =>
        {
            // Blocking writes (SSH.NET's channel stream waits for the remote window) on a thread of their own.
            await Task.Factory.StartNew(() => WriteTar(channel, items, FileTransfer.TempSuffix(Target), ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        }, $"write files under {root}", cancellationToken).ConfigureAwait(false);

        var files = items.Where(i => i.Kind == FileEntryKind.File).ToList();
        if (files.Count > 0)
        {
            string suffix = FileTransfer.TempSuffix(Target);
            byte[] pairs = Encoding.UTF8.GetBytes(string.Concat(files.Select(f => $"./{f.Path}{suffix}\0./{f.Path}\0")));
            await RunScriptAsync($"cd {Q(root)} && xargs -0 -n 2 mv -f -T --", pairs, $"rename files into place under {root}", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes the archive synchronously: SSH.NET's channel stream only has blocking writes.</summary>
    private static void WriteTar(Stream stdin, IReadOnlyList<FileEntry> items, string tempSuffix, CancellationToken ct)
    {
        using var tar = new TarWriter(stdin, TarEntryFormat.Pax, leaveOpen: true);
        foreach (FileEntry item in items)
        {
            ct.ThrowIfCancellationRequested();
            var entry = new PaxTarEntry(item.Kind switch
            {
                FileEntryKind.Directory => TarEntryType.Directory,
                FileEntryKind.Symlink => TarEntryType.SymbolicLink,
                _ => TarEntryType.RegularFile,
            }, item.Kind == FileEntryKind.File ? item.Path + tempSuffix : item.Path)
            {
                Mode = item.Mode,
            };
            if (item.Kind == FileEntryKind.Symlink)
            {
                entry.LinkName = item.LinkTarget!;
                tar.WriteEntry(entry);
            }
            else if (item.Kind == FileEntryKind.File)
            {
                using var source = new FileStream(item.SourcePath!, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024);
                entry.DataStream = source;
                tar.WriteEntry(entry);
            }
            else
            {
                tar.WriteEntry(entry);
            }
        }
    }

    public async Task DeleteAsync(string root, IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        if (paths.Count == 0)
        {
            return;
        }

        byte[] list = Encoding.UTF8.GetBytes(string.Concat(paths.Select(p => "./" + p + "\0")));
        await RunScriptAsync($"cd {Q(root)} && xargs -0 rm -rf --", list, $"delete under {root}", cancellationToken).ConfigureAwait(false);
    }

    private Task<byte[]> RunScriptAsync(string script, byte[]? input, string what, CancellationToken cancellationToken) =>
        RunScriptAsync(script, input is null ? null : async (s, ct) => await s.WriteAsync(input, ct).ConfigureAwait(false), what, cancellationToken);

    private async Task<byte[]> RunScriptAsync(string script, Func<Stream, CancellationToken, Task>? input, string what, CancellationToken cancellationToken)
    {
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        CommandResult result = await RunRawAsync(RemoteCommand.Wrap(CommandSpec.Sh(script), withInput: input is not null), input, d => stdout.Write(d), d => stderr.Write(d), cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new TransportException($"{Target.Name}: could not {what}: {Encoding.UTF8.GetString(stderr.ToArray()).Trim()} (exit {result.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? result.Signal})");
        }

        return stdout.ToArray();
    }

    private static string Q(string value) => ShellQuote.Quote(value);
}
