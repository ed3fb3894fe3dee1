using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Fanout.Execution;

namespace Fanout.Cli.Commands;

/// <summary>How a batch runs (SPEC X2–X10) and how its results are shown: the options of every acting command.</summary>
internal sealed class RunOptions
{
    public Option<int> Parallel { get; } = new("--parallel", "-p", "--max-workers")
    {
        Description = "How many targets run at once",
        DefaultValueFactory = _ => 10,
        HelpName = "N",
    };

    public Option<IReadOnlyList<WaveSize>> BatchSize { get; } = new("--batch-size")
    {
        Description = "Split into waves: N, N% or a growing list like 1,5,25% (0 = one wave)",
        HelpName = "SIZES",
        CustomParser = ParseWaveSizes,
    };

    public Option<TimeSpan> BatchWait { get; } = DurationOption("--batch-wait", "Pause between waves");

    public Option<TimeSpan> Timeout { get; } = DurationOption("--timeout", "Time limit per target and attempt: 300, 30s, 5m, 2h (default 300s)");

    public Option<TimeSpan> OverallTimeout { get; } = DurationOption("--overall-timeout", "Time limit for the whole run");

    public Option<bool> FailFast { get; } = new("--fail-fast") { Description = "Stop scheduling new targets at the first failure" };

    public Option<double?> MaxFailPercent { get; } = new("--max-fail-percent")
    {
        Description = "Stop when more than P% of a wave fails; later waves are not run",
        HelpName = "P",
    };

    public Option<int> Retries { get; } = new("--retries") { Description = "Extra attempts after a failed one", HelpName = "N" };

    public Option<TimeSpan> RetryDelay { get; } = DurationOption("--retry-delay", "Delay before a retry (default 1s)");

    public Option<Backoff> Backoff { get; } = new("--backoff")
    {
        Description = "How the retry delay grows: fixed, linear or exponential (default fixed)",
        CustomParser = ParseBackoff,
        HelpName = "fixed|linear|exponential",
    };

    public Option<bool> Jitter { get; } = new("--jitter") { Description = "Randomise retry delays by up to ±25%" };

    public Option<IReadOnlySet<int>> RetryOnExitCodes { get; } = new("--retry-on-exit-codes")
    {
        Description = "Only these exit codes count as transient, e.g. 75,255 (default: every failure)",
        HelpName = "CODES",
        CustomParser = ParseExitCodes,
    };

    public Option<bool> Atomic { get; } = new("--atomic") { Description = "All or nothing: when any target fails, roll back the ones that succeeded (exec, script and sync need --rollback)" };

    public Option<string?> Rollback { get; } = new("--rollback")
    {
        Description = "With --atomic: the compensating command (run with sh -c) on each succeeded target when any target fails",
        HelpName = "COMMAND",
    };

    public Option<string> Output { get; } = new("--output", "-o")
    {
        Description = "Result format on stdout",
        DefaultValueFactory = _ => "table",
        HelpName = "table|json|csv",
    };

    public Option<string?> OutputDir { get; } = new("--output-dir")
    {
        Description = "Write each target's output to DIR/<target>.stdout and DIR/<target>.stderr",
        HelpName = "DIR",
    };

    public Option<bool> Stream { get; } = new("--stream")
    {
        Description = "Print what targets print as it arrives, line by line, prefixed with the target's name (like GNU parallel --line-buffer --tag)",
    };

    public Option<long?> OutputBudget { get; } = new("--output-budget")
    {
        Description = "Memory all targets' captured output may hold together, e.g. 64MiB, 1G (default 128MiB; config: output_budget); beyond it output is kept in spill files",
        HelpName = "SIZE",
        CustomParser = ParseSize,
    };

    public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "Show only the summary, no progress" };

    public Option<bool> Yes { get; } = new("--yes", "--confirm", "-y") { Description = "Do not ask for confirmation (needed without a terminal for --all)" };

    public RunOptions()
    {
        Output.AcceptOnlyFromAmong("table", "json", "csv");
        Parallel.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1)
            {
                r.AddError("--parallel must be at least 1");
            }
        });
        Retries.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 0)
            {
                r.AddError("--retries must not be negative");
            }
        });
        MaxFailPercent.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double?>() is { } p && (p < 0 || p > 100))
            {
                r.AddError("--max-fail-percent must be within 0–100");
            }
        });
    }

    public SshCliOptions Ssh { get; } = new();

    /// <summary><c>--on-workers</c>, <c>--worker-labels</c> and the cluster options (docs/scale-out.md "Runs from the CLI").</summary>
    public OnWorkersOptions Workers { get; } = new();

    /// <param name="command">The command that gets the options.</param>
    /// <param name="onWorkers">Whether its runs can go to the cluster's workers (<c>--on-workers</c>): not for agent instances, which have no recorded definition.</param>
    public void AddTo(Command command, bool onWorkers = true)
    {
        foreach (Option option in new Option[]
        {
            Parallel, BatchSize, BatchWait, Timeout, OverallTimeout, FailFast, MaxFailPercent, Retries, RetryDelay, Backoff,
            Jitter, RetryOnExitCodes, Atomic, Rollback, Output, OutputDir, OutputBudget, Quiet, Yes,
        })
        {
            command.Options.Add(option);
        }

        Ssh.AddTo(command);
        if (onWorkers)
        {
            Workers.AddTo(command);
        }
    }

    /// <param name="parsed">The command line.</param>
    /// <param name="configuredBudget">The config file's <c>output_budget</c>, used when <c>--output-budget</c> is not given.</param>
    public ExecutionOptions GetExecutionOptions(ParseResult parsed, long? configuredBudget = null) => new()
    {
        OutputBudget = parsed.GetValue(OutputBudget) ?? configuredBudget ?? Fanout.Output.OutputBudget.DefaultBytes,
        MaxConcurrency = parsed.GetValue(Parallel),
        BatchSizes = parsed.GetValue(BatchSize) ?? [],
        BatchWait = ValueOr(parsed, BatchWait, TimeSpan.Zero),
        Timeout = ValueOr(parsed, Timeout, TimeSpan.FromSeconds(300)),
        OverallTimeout = parsed.GetResult(OverallTimeout) is null ? null : parsed.GetValue(OverallTimeout),
        FailFast = parsed.GetValue(FailFast),
        MaxFailPercent = parsed.GetValue(MaxFailPercent),
        Retries = parsed.GetValue(Retries),
        RetryDelay = ValueOr(parsed, RetryDelay, TimeSpan.FromSeconds(1)),
        Backoff = parsed.GetValue(Backoff),
        Jitter = parsed.GetValue(Jitter),
        RetryOnExitCodes = parsed.GetValue(RetryOnExitCodes) ?? new HashSet<int>(),
        Atomic = parsed.GetValue(Atomic),
    };

    // Defaults of durations are applied here rather than with DefaultValueFactory, whose help
    // text would print them as TimeSpan ("00:05:00") instead of the way users write them.
    private static Option<TimeSpan> DurationOption(string name, string description)
    {
        return new Option<TimeSpan>(name)
        {
            Description = description,
            HelpName = "DURATION",
            CustomParser = ParseDuration,
        };
    }

    private static TimeSpan ValueOr(ParseResult parsed, Option<TimeSpan> option, TimeSpan fallback)
        => parsed.GetResult(option) is null ? fallback : parsed.GetValue(option);

    private static TimeSpan ParseDuration(ArgumentResult result)
    {
        string text = result.Tokens.Count == 0 ? string.Empty : result.Tokens[0].Value;
        if (Duration.TryParse(text, out TimeSpan value))
        {
            return value;
        }

        result.AddError($"'{text}' is not a duration: use seconds (300) or 500ms, 30s, 5m, 2h");
        return default;
    }

    private static long? ParseSize(ArgumentResult result)
    {
        string text = result.Tokens.Count == 0 ? string.Empty : result.Tokens[0].Value;
        if (ByteSize.TryParse(text, out long bytes))
        {
            return bytes;
        }

        result.AddError($"--output-budget: '{text}' is not a size: use {ByteSize.Forms}");
        return null;
    }

    private static IReadOnlyList<WaveSize> ParseWaveSizes(ArgumentResult result)
    {
        var sizes = new List<WaveSize>();
        foreach (string part in result.Tokens.SelectMany(t => t.Value.Split(',')))
        {
            try
            {
                sizes.Add(WaveSize.Parse(part));
            }
            catch (FormatException e)
            {
                result.AddError(e.Message);
                return [];
            }
        }

        return sizes;
    }

    private static Backoff ParseBackoff(ArgumentResult result)
    {
        string text = result.Tokens.Count == 0 ? string.Empty : result.Tokens[0].Value;
        switch (text.ToLowerInvariant())
        {
            case "fixed": return Execution.Backoff.Fixed;
            case "linear": return Execution.Backoff.Linear;
            case "exponential": return Execution.Backoff.Exponential;
            default:
                result.AddError($"'{text}' is not a backoff: use fixed, linear or exponential");
                return default;
        }
    }

    private static IReadOnlySet<int> ParseExitCodes(ArgumentResult result)
    {
        var codes = new HashSet<int>();
        foreach (string part in result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.TrimEntries)))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int code) || code > 255)
            {
                result.AddError($"'{part}' is not an exit code (0–255)");
                return codes;
            }

            codes.Add(code);
        }

        return codes;
    }
}
