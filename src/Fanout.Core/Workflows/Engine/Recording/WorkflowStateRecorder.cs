using System.Threading.Channels;
using Fanout.Events;

namespace Fanout.Workflows.Engine;

/// <summary>
/// Keeps the workflow-state table (<see cref="IWorkflowStore.SaveStepAsync"/>: step states, captured outputs and
/// completion order, which <c>fanout resume</c> and <c>fanout approve</c> work from) from the run's event stream:
/// <see cref="StepStarted"/>, <see cref="ApprovalRequested"/> and <see cref="StepFinished"/> become step rows, written
/// in event order by one writer. Events arrive already masked.
/// </summary>
internal sealed class WorkflowStateRecorder : IAsyncDisposable
{
    private const int StoredOutputCap = 64 * 1024;
    private readonly IWorkflowStore _store;
    private readonly string _runId;
    private readonly Channel<(WorkflowStepRecord? Record, TaskCompletionSource? Flushed)> _queue =
        Channel.CreateUnbounded<(WorkflowStepRecord?, TaskCompletionSource?)>(new UnboundedChannelOptions { SingleReader = true });

    private readonly Task _writer;
    private readonly Dictionary<string, DateTimeOffset> _started = new(StringComparer.Ordinal);
    private Exception? _failure;

    public WorkflowStateRecorder(IWorkflowStore store, string runId)
    {
        _store = store;
        _runId = runId;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Subscriber of the run's <see cref="ProgressTracker"/>: queues the step rows an event stands for. Never blocks.</summary>
    public void OnEvent(RunEvent e)
    {
        WorkflowStepRecord? record = e switch
        {
            StepStarted s => new WorkflowStepRecord { RunId = _runId, Path = s.Path, State = StepState.Running.ToWireName(), StartedAt = StartOf(s.Path, s.Timestamp) },
            ApprovalRequested a => new WorkflowStepRecord { RunId = _runId, Path = a.Path, State = StepState.AwaitingApproval.ToWireName(), StartedAt = StartOf(a.Path, a.Timestamp) },
            StepFinished { Restored: false } f => new WorkflowStepRecord
            {
                RunId = _runId,
                Path = f.Path,
                State = f.State.ToWireName(),
                Attempts = f.Attempts,
                ExitCode = f.ExitCode,
                StartedAt = f.StartedAt,
                EndedAt = f.Timestamp,
                Output = f.Output is { Length: > StoredOutputCap } o ? o[..StoredOutputCap] : f.Output,
                Capture = f.Capture,
                SkipReason = f.SkipReason,
                Error = f.Error,
                Completion = f.Completion,
            },
            _ => null,
        };
        if (record is not null)
        {
            _queue.Writer.TryWrite((record, null));
        }
    }

    /// <summary>Waits until every row queued so far is written.</summary>
    /// <exception cref="FanoutException">The store failed.</exception>
    public async Task FlushAsync()
    {
        var flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite((null, flushed)))
        {
            await _writer.ConfigureAwait(false);
        }
        else
        {
            await flushed.Task.ConfigureAwait(false);
        }

        if (_failure is not null)
        {
            throw new FanoutException($"recording the steps of run {_runId} failed: {_failure.Message}", _failure);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private DateTimeOffset StartOf(string path, DateTimeOffset at)
    {
        lock (_started)
        {
            return _started.TryAdd(path, at) ? at : _started[path];
        }
    }

    private async Task WriteLoopAsync()
    {
        await foreach ((WorkflowStepRecord? record, TaskCompletionSource? flushed) in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (record is not null && _failure is null)
            {
                try
                {
                    await _store.SaveStepAsync(record, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    _failure = e;
                }
            }

            flushed?.TrySetResult();
        }
    }
}
