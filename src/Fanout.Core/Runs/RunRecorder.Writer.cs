using Fanout.Events;
using Fanout.Execution;
using Fanout.Output;

namespace Fanout.Runs;

internal sealed partial class RunRecorder
{
    private bool _partialDue; // the writer's: a PartialTick was drained

    private async Task WriteLoopAsync()
    {
        var starts = new List<StartRequest>();
        var events = new List<RunEvent>();
        try
        {
            while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                Drain(starts, events);
                // Starts are written at once (a slot waits for them); events may wait to fill a batch.
                if (starts.Count == 0 && events.Count < _options.MaxBatch)
                {
                    using var window = new CancellationTokenSource(_options.FlushInterval, _time);
                    try
                    {
                        while (starts.Count == 0 && events.Count < _options.MaxBatch && await _queue.Reader.WaitToReadAsync(window.Token).ConfigureAwait(false))
                        {
                            Drain(starts, events);
                        }
                    }
                    catch (OperationCanceledException) when (window.IsCancellationRequested)
                    {
                        // The flush interval elapsed.
                    }
                }

                await FlushAsync(starts, events).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _failure = e;
            foreach (StartRequest s in starts)
            {
                s.Done.TrySetException(new FanoutException($"recording run {RunId} failed: {e.Message}", e));
            }

            // Fail every later start too: an attempt must not run unrecorded. Closing the queue first makes a start that
            // comes after this fail at once (MarkStartedAsync: "closed") instead of waiting forever for a writer that is gone.
            _queue.Writer.TryComplete();
            while (_queue.Reader.TryRead(out object? item))
            {
                (item as StartRequest)?.Done.TrySetException(new FanoutException($"recording run {RunId} failed: {e.Message}", e));
            }
        }
    }

    private void Drain(List<StartRequest> starts, List<RunEvent> events)
    {
        while (events.Count < _options.MaxBatch * 4 && _queue.Reader.TryRead(out object? item))
        {
            switch (item)
            {
                case StartRequest s:
                    starts.Add(s);
                    break;
                case PartialTick:
                    _partialDue = true;
                    break;
                default:
                    events.Add((RunEvent)item);
                    break;
            }
        }
    }

    private async Task FlushAsync(List<StartRequest> starts, List<RunEvent> events)
    {
        var attempts = new List<TargetAttemptRecord>(starts.Count + events.Count);
        foreach (StartRequest s in starts)
        {
            if (s.Attempt is not null)
            {
                attempts.Add(s.Attempt);
            }

            attempts.AddRange(s.Claims);
        }

        int outcomes = 0;
        var records = new List<RunEventRecord>(events.Count);
        foreach (RunEvent e in events)
        {
            long sequence = e.Sequence > 0 ? e.Sequence + _sequenceOffset : _lastSequence + 1;
            _lastSequence = Math.Max(_lastSequence, sequence);
            if (e is TargetStarted s)
            {
                // Progress-only: its attempt row (written before the attempt ran) already records the start,
                // so it is not stored as an event (one row less per target; stored sequences have gaps, as a
                // slow ProgressTracker reader's do).
                _waves[s.Target] = s.Wave;
                continue;
            }

            outcomes += e is TargetFinished ? 1 : 0;
            records.Add(new RunEventRecord(RunId, sequence, e.GetType().Name, e.Timestamp.ToUniversalTime(), RunEventPayload.Serialize(e, (int)sequence)));
            if (ToAttempt(e) is { } attempt)
            {
                _partials.Forget(attempt.Target, attempt.Attempt); // its end is recorded: no partial row may follow it
                attempts.Add(attempt);
            }
        }

        if (_partialDue)
        {
            // On this one writer, after the ends above: a partial row is always written before its attempt's final row.
            _partialDue = false;
            attempts.AddRange(_partials.TakeDirty(RunId, _options.MaxPartialRows));
        }

        bool countsChanged = events.Any(e => e is TargetFinished);
        await _store.WriteAsync(new RunWriteBatch
        {
            RunId = RunId,
            Attempts = attempts,
            Events = records,
            Counts = countsChanged ? Counts() : null,
            OwnerHost = Owner?.Host,
            OwnerPid = Owner?.Pid,
        }, CancellationToken.None).ConfigureAwait(false); // never abandon a write half-way: the run's record must stay exact
        Interlocked.Add(ref _outcomesDurable, outcomes);

        foreach (StartRequest s in starts)
        {
            s.Done.TrySetResult();
        }

        starts.Clear();
        events.Clear();
    }

    private TargetAttemptRecord? ToAttempt(RunEvent e)
    {
        switch (e)
        {
            case TargetStarted s:
                _waves[s.Target] = s.Wave;
                return null; // its running row was written by MarkStartedAsync (or is filled in by the finish)
            case TargetRetrying r:
                return new TargetAttemptRecord
                {
                    RunId = RunId,
                    Target = r.Target,
                    Attempt = r.Attempt + AttemptOffset(r.Target),
                    State = AttemptState.Failed,
                    ExitCode = r.ExitCode,
                    Wave = _waves.GetValueOrDefault(r.Target, 1),
                    EndedAt = r.Timestamp,
                    Error = r.Error,
                };
            case TargetFinished f:
                return ToFinalAttempt(f.Outcome, f.Timestamp);
            default:
                return null;
        }
    }

    private TargetAttemptRecord ToFinalAttempt(TargetOutcome outcome) => ToFinalAttempt(outcome, null);

    private TargetAttemptRecord ToFinalAttempt(TargetOutcome outcome, DateTimeOffset? at)
    {
        _finals[outcome.Target] = outcome.State;
        int attempt = outcome.Attempts == 0 ? 0 : outcome.Attempts + AttemptOffset(outcome.Target);
        (string? stdout, string? stdoutLog) = StoreOutput(outcome.Stdout, outcome.Target, attempt, "stdout");
        (string? stderr, string? stderrLog) = StoreOutput(outcome.Stderr, outcome.Target, attempt, "stderr");
        return new TargetAttemptRecord
        {
            RunId = RunId,
            Target = outcome.Target,
            Attempt = attempt,
            State = outcome.State.ToAttemptState(),
            ExitCode = outcome.ExitCode,
            Wave = outcome.Wave,
            StartedAt = outcome.Attempts <= 1 ? outcome.StartedAt : null,
            EndedAt = outcome.StartedAt is { } s ? s + outcome.Duration : at,
            Stdout = stdout,
            Stderr = stderr,
            StdoutLog = stdoutLog,
            StderrLog = stderrLog,
            Error = outcome.Error,
        };
    }

    // Keeps rows small: the stored text is capped; the exact bytes of the stream go to a log file when
    // they are longer than the cap, or cut, or not valid UTF-8 (the row holds text, the log the bytes).
    private (string? Text, string? Log) StoreOutput(CapturedOutput output, string target, int attempt, string stream)
    {
        if (output.TotalBytes == 0)
        {
            return (null, null);
        }

        string text = output.Text;
        if (text.Length <= _options.StoredOutputCap && !output.Lossy)
        {
            return (text, null);
        }

        string path = RunLogPaths.AttemptLog(_store.LogDirectory, RunId, target, attempt, stream);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (Stream source = output.OpenRead())
        using (var log = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 64 * 1024))
        {
            source.CopyTo(log);
        }

        return (text.Length <= _options.StoredOutputCap ? text : text[.._options.StoredOutputCap], path);
    }
}
