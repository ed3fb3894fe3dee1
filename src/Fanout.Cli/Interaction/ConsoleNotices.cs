namespace Fanout.Cli.Interaction;

/// <summary>
/// Messages the process prints outside a command's own flow — the signal handlers' <c>interrupted; stopping running
/// targets</c> and <c>forcing</c> — always on a line of their own: while a live display is drawn they become lines of it
/// (a line written under a live display lands mid-line and the next redraw overwrites it); otherwise they go to
/// standard error at once, after a line break (the terminal has just echoed <c>^C</c> where the cursor was).
/// </summary>
internal sealed class ConsoleNotices
{
    private readonly object _gate = new();
    private readonly TextWriter _error;
    private readonly List<string> _lines = [];
    private int _live;

    public ConsoleNotices(TextWriter error) => _error = error;

    /// <summary>Shows <paramref name="message"/>: in the live display if one is drawn, else on standard error.</summary>
    public void Post(string message)
    {
        lock (_gate)
        {
            _lines.Add(message);
            if (_live == 0)
            {
                _error.WriteLine();
                _error.WriteLine(message);
                _error.Flush();
            }
        }
    }

    /// <summary>A live display starts drawing: notices are its lines until <see cref="LiveScope.End"/>.</summary>
    public LiveScope BeginLive()
    {
        lock (_gate)
        {
            _live++;
            return new LiveScope(this, _lines.Count);
        }
    }

    /// <summary>The notices a live display draws: those posted since it started.</summary>
    internal sealed class LiveScope(ConsoleNotices owner, int first) : IDisposable
    {
        private bool _ended;

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (owner._gate)
                {
                    return [.. owner._lines.Skip(first)];
                }
            }
        }

        /// <summary>The display ended after drawing <paramref name="shown"/> notices; any later ones are written now, below it.</summary>
        public void End(int shown) => Close(shown);

        /// <summary>Ends the scope (once) without writing anything, e.g. when the display failed.</summary>
        public void Dispose() => Close(null);

        private void Close(int? shown)
        {
            lock (owner._gate)
            {
                if (_ended)
                {
                    return;
                }

                _ended = true;
                owner._live--;
                if (shown is { } drawn)
                {
                    foreach (string line in owner._lines.Skip(first).Skip(drawn))
                    {
                        owner._error.WriteLine(line);
                    }

                    owner._error.Flush();
                }
            }
        }
    }
}
