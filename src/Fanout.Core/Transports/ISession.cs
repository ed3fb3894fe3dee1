using Fanout.Inventory;
using Fanout.Output;

namespace Fanout.Transports;

/// <summary>
/// An open session to one target, reused by every operation of a run on that target and
/// disposed when its wave ends.
/// </summary>
public interface ISession : IAsyncDisposable
{
    /// <summary>The target this session talks to.</summary>
    Target Target { get; }

    /// <summary>
    /// Runs a command and waits for it to end, streaming its output into the captures.
    /// When <paramref name="cancellationToken"/> fires the process (tree) is killed before the
    /// method returns, and <see cref="OperationCanceledException"/> is thrown.
    /// </summary>
    Task<CommandResult> RunAsync(CommandSpec command, OutputCapture stdout, OutputCapture stderr, CancellationToken cancellationToken);

    /// <summary>Writes <paramref name="content"/> to <paramref name="remotePath"/> on the target with the given Unix mode.</summary>
    Task UploadAsync(Stream content, string remotePath, int mode, CancellationToken cancellationToken);
}
