using Fanout.Inventory;
using Fanout.Transports;

namespace Fanout.Operations;

/// <summary>
/// Pushes a file or directory tree to every target (spec S3) over the target's session: creates
/// directories, keeps modes, skips files whose size and SHA-256 are unchanged, optionally deletes
/// extras, honours excludes, and refuses symlinks that would escape the destination.
/// Result data: <c>filesCopied</c>, <c>filesSkipped</c>, <c>filesDeleted</c>, <c>bytesCopied</c>
/// (and <c>dryRun</c> when <see cref="SyncOptions.DryRun"/> only reported them; its standard output then lists each entry).
/// </summary>
public sealed class SyncOperation : IOperation
{
    private readonly SyncOptions _options;
    private readonly Lazy<(LocalTree? Tree, string? Error)> _tree;

    /// <summary>Creates the operation.</summary>
    /// <exception cref="ArgumentException">The options are invalid (the message lists every problem).</exception>
    public SyncOperation(SyncOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<string> errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        _options = options;
        _tree = new Lazy<(LocalTree?, string?)>(() => LocalTree.Scan(options), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>What is synced where.</summary>
    public SyncOptions Options => _options;

    /// <inheritdoc/>
    /// <value>Always <c>sync</c>.</value>
    public string Name => "sync";

    /// <inheritdoc/>
    public async Task<OperationResult> ExecuteAsync(Target target, OperationContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        (LocalTree? tree, string? error) = _tree.Value;
        if (tree is null)
        {
            return OperationResult.Failed($"sync refused: {error}");
        }

        ISession session = await context.GetSessionAsync(cancellationToken).ConfigureAwait(false);
        if (session is not IFileTransferSession files)
        {
            return OperationResult.Failed($"transport '{target.Transport}' cannot transfer files");
        }

        try
        {
            return await SyncAsync(tree, files, FileTransfer.TempSuffix(target), cancellationToken).ConfigureAwait(false);
        }
        catch (TransportException ex)
        {
            return OperationResult.Failed(ex.Message);
        }
    }

    private async Task<OperationResult> SyncAsync(LocalTree tree, IFileTransferSession files, string tempSuffix, CancellationToken cancellationToken)
    {
        IReadOnlyList<string>? only = tree.SingleFile ? [tree.Entries[0].Path, tree.Entries[0].Path + tempSuffix] : null;
        var remote = (await files.ListAsync(tree.Root, only, cancellationToken).ConfigureAwait(false)).ToDictionary(e => e.Path, StringComparer.Ordinal);
        var local = tree.Entries.ToDictionary(e => e.Path, StringComparer.Ordinal);

        // Same size: compare hashes (computed remotely, locally once per source file).
        var sameSize = tree.Entries.Where(e => e.Kind == FileEntryKind.File && remote.TryGetValue(e.Path, out FileEntry? r) && r.Kind == FileEntryKind.File && r.Size == e.Size)
            .Select(e => e.Path).ToList();
        IReadOnlyDictionary<string, string> remoteHashes = await files.HashAsync(tree.Root, sameSize, cancellationToken).ConfigureAwait(false);

        var writes = new List<FileEntry>();
        var replace = new List<string>();
        int skipped = 0;
        foreach (FileEntry entry in tree.Entries)
        {
            remote.TryGetValue(entry.Path, out FileEntry? existing);
            if (existing is not null && existing.Kind != entry.Kind)
            {
                replace.Add(entry.Path); // e.g. a remote symlink where a directory belongs: never write through it
                existing = null;
            }

            bool unchanged = existing is not null && entry.Kind switch
            {
                FileEntryKind.File => existing.Mode == entry.Mode && remoteHashes.TryGetValue(entry.Path, out string? h) && h == tree.Hash(entry.Path),
                FileEntryKind.Directory => existing.Mode == entry.Mode,
                _ => existing.LinkTarget == entry.LinkTarget,
            };
            if (unchanged)
            {
                skipped += entry.Kind == FileEntryKind.File ? 1 : 0;
            }
            else
            {
                writes.Add(entry);
            }
        }

        var deletes = new List<string>(replace);
        var excludes = _options.Excludes.Select(LocalTree.Glob).ToList();
        var extras = remote.Values.Where(r => !local.ContainsKey(r.Path)).OrderBy(r => r.Path, StringComparer.Ordinal).ToList();

        // Leftovers of this target's interrupted earlier sync (files written under its temporary name) are always
        // removed; another target's temporary files (an alias of the same host writing right now) are never touched.
        extras.RemoveAll(r => r.Kind == FileEntryKind.File && FileTransfer.IsTemporary(r.Path) && !r.Path.EndsWith(tempSuffix, StringComparison.Ordinal));
        var leftovers = extras.Where(r => r.Kind == FileEntryKind.File && r.Path.EndsWith(tempSuffix, StringComparison.Ordinal)
            && !LocalTree.IsExcludedOrUnder(excludes, r.Path)).Select(r => r.Path).ToList();
        int extraDeletes = 0;
        if (_options.Delete && !tree.SingleFile)
        {
            foreach (FileEntry extra in extras)
            {
                bool underDeleted = deletes.Any(d => extra.Path.StartsWith(d + "/", StringComparison.Ordinal));
                if (!underDeleted && !leftovers.Contains(extra.Path) && !LocalTree.IsExcludedOrUnder(excludes, extra.Path))
                {
                    deletes.Add(extra.Path);
                    extraDeletes++;
                }
            }
        }

        deletes.AddRange(leftovers.Where(l => !deletes.Any(d => l.StartsWith(d + "/", StringComparison.Ordinal))));
        int copied = writes.Count(w => w.Kind == FileEntryKind.File);
        var data = new Dictionary<string, object?>
        {
            ["filesCopied"] = copied,
            ["filesSkipped"] = skipped,
            ["filesDeleted"] = extraDeletes,
            ["bytesCopied"] = writes.Where(w => w.Kind == FileEntryKind.File).Sum(w => w.Size),
        };
        if (_options.DryRun)
        {
            data["dryRun"] = true;
            string plan = DescribePlan(writes, skipped, deletes.Skip(replace.Count).Take(extraDeletes).ToList());
            return OperationResult.Succeeded() with
            {
                Stdout = new Output.CapturedOutput(plan, System.Text.Encoding.UTF8.GetByteCount(plan), null),
                Data = data,
            };
        }

        await files.DeleteAsync(tree.Root, deletes, cancellationToken).ConfigureAwait(false);
        if (writes.Count > 0 || !tree.SingleFile)
        {
            await files.WriteAsync(tree.Root, writes, cancellationToken).ConfigureAwait(false);
        }

        return OperationResult.Succeeded() with { Data = data };
    }

    /// <summary>The dry-run report of one target: one line per file that would be copied or entry that would be deleted, and the skipped count.</summary>
    private static string DescribePlan(IReadOnlyList<FileEntry> writes, int skipped, IReadOnlyList<string> deletes)
    {
        var text = new System.Text.StringBuilder();
        foreach (FileEntry w in writes.Where(w => w.Kind != FileEntryKind.Directory))
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"would copy {w.Path}{(w.Kind == FileEntryKind.Symlink ? " -> " + w.LinkTarget : $" ({w.Size} bytes)")}\n");
        }

        foreach (string d in deletes)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"would delete {d}\n");
        }

        text.Append(System.Globalization.CultureInfo.InvariantCulture, $"would skip {skipped} unchanged file{(skipped == 1 ? "" : "s")}\n");
        return text.ToString();
    }
}
