using Fanout.Cli.Interaction;
using Fanout.Runs;

namespace Fanout.Cli;

/// <summary>What commands get from outside: the console, the clock, the environment and the run service. Tests build their own.</summary>
internal sealed class CliContext
{
    public required IConsoleOutput Console { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    public string CurrentDirectory { get; init; } = Environment.CurrentDirectory;

    /// <summary>Width of help text; <see langword="null"/> for the terminal's width.</summary>
    public int? HelpWidth { get; init; }

    public RunService? RunService { get; init; }

    /// <summary>Where the signal handlers' messages go (into the live display while one is drawn); <see langword="null"/> in tests that send no signals.</summary>
    public ConsoleNotices? Notices { get; init; }

    /// <summary>Set to true by the Ctrl-C handler when the run was interrupted (exit 130).</summary>
    public Func<bool> WasInterrupted { get; init; } = () => false;

    /// <summary>The exit code of an interrupted run: 130 (Ctrl-C), 143 (SIGTERM) or 129 (SIGHUP).</summary>
    public Func<int> InterruptExitCode { get; init; } = () => ExitCodes.Interrupted;

    /// <summary>The run service with every transport (see <see cref="Transports.BuiltInTransports"/>), SSH configured by <paramref name="ssh"/>.</summary>
    public RunService GetRunService(IRunStore? store = null, Transports.Ssh.SshTransportOptions? ssh = null)
    {
        if (RunService is { } injected)
        {
            Transports.BuiltInTransports.AddMissing(injected.Transports, ssh, Time);
            return injected;
        }

        // Workflows are prepared with this context's environment and configured notification channels (fanout run, resume, retry).
        return new RunService(Transports.BuiltInTransports.Create(ssh, Time), Time, store: store)
        {
            WorkflowPreparation = new WorkflowPreparationOptions { ReadVariable = GetEnvironmentVariable, Validation = () => Commands.CliConfig.ValidationOptions(Commands.CliConfig.ForRun(this)) },
        };
    }
}
