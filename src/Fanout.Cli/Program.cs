using Fanout.Cli;
using Fanout.Cli.Interaction;

// Ctrl-C: the first cancels the run gracefully (running targets are stopped, results are
// reported, exit 130); the second exits at once.
using var interrupt = new CancellationTokenSource();
int presses = 0;
Console.CancelKeyPress += (_, e) =>
{
    if (Interlocked.Increment(ref presses) == 1)
    {
        e.Cancel = true;
        Console.Error.WriteLine("fanout: interrupted; stopping running targets (Ctrl-C again to force)");
        interrupt.Cancel();
    }
    else
    {
        e.Cancel = false;
        Fanout.Cli.Commands.ActingCommand.KillRunningProcesses();
        Environment.Exit(ExitCodes.Interrupted);
    }
};

var context = new CliContext
{
    Console = new SystemConsoleOutput(),
    WasInterrupted = () => Volatile.Read(ref presses) > 0,
};
return await FanoutApp.RunAsync(args, context, interrupt.Token);
