using System.Runtime.InteropServices;
using Fanout.Cli;
using Fanout.Cli.Interaction;

// Ctrl-C, SIGTERM (timeout(1), systemd, CI cancel) and SIGHUP (a closed terminal): the first stops
// the run gracefully (running targets are stopped, partial results and the result document are
// written, exit 128+signal); the second forces: every local process tree and remote process group
// is killed at once, the run ends and its results are still written (bounded: exit after a few seconds regardless).
using var interrupt = new CancellationTokenSource();
var notices = new ConsoleNotices(Console.Error); // on a line of their own, in the live display while one is drawn
int signals = 0;
int exitCode = ExitCodes.Interrupted;

void OnSignal(int code, string name)
{
    if (Interlocked.Increment(ref signals) == 1)
    {
        Volatile.Write(ref exitCode, code);
        notices.Post($"fanout: {name}; stopping running targets (Ctrl-C again to force)");
        interrupt.Cancel();
        return;
    }

    if (Volatile.Read(ref signals) == 2)
    {
        notices.Post("fanout: forcing: killing every running process");
        _ = Task.Run(async () =>
        {
            await Fanout.Transports.BuiltInTransports.KillAllRunningAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            Environment.Exit(Volatile.Read(ref exitCode));
        });
    }
}

using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; OnSignal(ExitCodes.Interrupted, "interrupted"); });
using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; OnSignal(ExitCodes.Terminated, "terminated (SIGTERM)"); });
using PosixSignalRegistration sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => { c.Cancel = true; OnSignal(ExitCodes.HangUp, "hang-up (SIGHUP)"); });

var context = new CliContext
{
    Console = new SystemConsoleOutput(),
    Notices = notices,
    WasInterrupted = () => Volatile.Read(ref signals) > 0,
    InterruptExitCode = () => Volatile.Read(ref exitCode),
};
return await FanoutApp.RunAsync(args, context, interrupt.Token);
