using System.CommandLine;
using Fanout.Cli.Interaction;
using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Selection;
using Fanout.Transports.Ssh;

namespace Fanout.Cli.Commands;

/// <summary>
/// The path every command that acts on targets shares: check selectors and options, build the
/// operation, resolve targets, confirm, run with progress, then write results and pick the exit code.
/// Nothing runs unless every input is valid.
/// </summary>
internal sealed class ActingCommand
{
    private readonly CliContext _context;
    private readonly SelectorOptions _selectors;
    private readonly RunOptions _options;

    public ActingCommand(CliContext context, SelectorOptions selectors, RunOptions options)
    {
        _context = context;
        _selectors = selectors;
        _options = options;
    }

    public async Task<int> RunAsync(
        ParseResult parsed,
        string commandName,
        Func<CancellationToken, Task<DefinitionOrError>> describe,
        CancellationToken cancellationToken,
        bool destructive = false,
        bool readOnly = false,
        bool validateFirst = false)
    {
        TextWriter error = _context.Console.Error;
        SelectionCriteria criteria = _selectors.GetCriteria(parsed);
        if (criteria.IsEmpty)
        {
            return await UsageAsync(commandName, "no targets selected: acting on every target needs --all (or select with --tag, --pattern, --regex, --group, --limit)").ConfigureAwait(false);
        }

        (long? configuredBudget, string? configError) = await ConfiguredOutputBudgetAsync(parsed).ConfigureAwait(false);
        if (configError is not null)
        {
            return await UsageAsync(commandName, configError).ConfigureAwait(false);
        }

        IReadOnlyList<string> problems = [.. criteria.Validate(), .. _options.GetExecutionOptions(parsed, configuredBudget).Validate()];
        if (problems.Count > 0)
        {
            return await UsageAsync(commandName, string.Join("; ", problems)).ConfigureAwait(false);
        }

        ExecutionOptions options = _options.GetExecutionOptions(parsed, configuredBudget);
        (Cluster.Hosting.ClusterSettings? cluster, IReadOnlyDictionary<string, string>? workerLabels, string? clusterError) = _options.Workers.Bind(parsed, _context);
        if (clusterError is not null)
        {
            return await UsageAsync(commandName, clusterError).ConfigureAwait(false);
        }

        DefinitionOrError described = await describe(cancellationToken).ConfigureAwait(false);
        if (described.Definition is not { } what)
        {
            if (described.Operation is not null)
            {
                // A kind with no recorded definition (agent instances): run as given, recorded without a definition.
                what = new Runs.RunDefinition { Kind = "adhoc" };
            }
            else
            {
                return await UsageAsync(commandName, described.Error ?? "invalid operation").ConfigureAwait(false);
            }
        }

        string? rollback = parsed.GetValue(_options.Rollback);
        if (rollback is not null && !options.Atomic)
        {
            return await UsageAsync(commandName, "--rollback only applies with --atomic").ConfigureAwait(false);
        }

        if (rollback is not null)
        {
            if (string.IsNullOrWhiteSpace(rollback))
            {
                return await UsageAsync(commandName, "--rollback needs a command").ConfigureAwait(false);
            }

            what = what with { Rollback = rollback };
        }

        IOperation probe;
        try
        {
            probe = described.Operation ?? what.CreateOperation();
        }
        catch (FanoutException e)
        {
            return await UsageAsync(commandName, e.Message).ConfigureAwait(false);
        }

        if (described.Operation is not null && rollback is not null)
        {
            probe = new CompensatedOperation(probe, Transports.CommandSpec.Sh(rollback));
        }

        if (options.Atomic && !probe.SupportsRollback)
        {
            return await UsageAsync(commandName, $"--atomic needs a rollback, and {probe.Name} has none: give the compensating command with --rollback COMMAND (run on each succeeded target when any target fails)").ConfigureAwait(false);
        }

        if (options.MaxFailPercent is not null && options.BatchSizes.Count == 0)
        {
            await error.WriteLineAsync($"fanout {commandName}: warning: --max-fail-percent without --batch-size protects nothing: every target starts before the failures are counted (use --batch-size to run in waves)").ConfigureAwait(false);
        }

        IReadOnlyList<string>? sources = _selectors.GetSources(parsed, _context);
        if (sources is null)
        {
            return await UsageAsync(commandName, "no inventory: pass -i PATH, set FANOUT_INVENTORY, or create ./fanout.yaml").ConfigureAwait(false);
        }

        (Runs.IRunStore? store, string? storeError) = await CliStore.OpenAsync(parsed, _context, cancellationToken).ConfigureAwait(false);
        if (store is null)
        {
            return await UsageAsync(commandName, storeError ?? "cannot open the run store").ConfigureAwait(false);
        }

        await using var storeScope = store.ConfigureAwait(false);
        (SshTransportOptions? sshOptions, string? sshError) = _options.Ssh.Get(parsed);
        if (sshOptions is null)
        {
            return await UsageAsync(commandName, sshError!).ConfigureAwait(false);
        }

        if (cluster is not null && sshOptions.Password is not null)
        {
            return await UsageAsync(commandName, OnWorkersOptions.NoPassword).ConfigureAwait(false);
        }

        Runs.RunService service = _context.GetRunService(store, sshOptions);

        // One definition of what runs (SPEC A9): recorded as is, and the operation is built from it, as resume and retry do.
        Runs.RunDefinition? definition = described.Operation is null
            ? what.Over(CliStore.Absolute(sources, _context), criteria, options) with { Ssh = Runs.RecordedSshOptions.From(sshOptions), WorkerLabels = workerLabels }
            : null;
        if (cluster is not null && CliSilo.WhyNot(definition, options.Atomic) is { } kept)
        {
            return await UsageAsync(commandName, kept).ConfigureAwait(false);
        }

        TargetSet targets;
        IOperation operation;
        try
        {
            Inventory.Inventory inventory = await service.LoadInventoryAsync(sources, cancellationToken).ConfigureAwait(false);
            targets = Selector.Select(inventory, criteria);
            operation = definition?.CreateOperation(inventory, definition.Stdin ? await StandardInput.ReadAsync(_context, cancellationToken).ConfigureAwait(false) : (ReadOnlyMemory<byte>?)null) ?? probe;
        }
        catch (InventoryException e)
        {
            return await UsageAsync(commandName, e.Message).ConfigureAwait(false);
        }
        catch (SelectionException e)
        {
            return await UsageAsync(commandName, e.Message).ConfigureAwait(false);
        }
        catch (FanoutException e)
        {
            return await UsageAsync(commandName, e.Message).ConfigureAwait(false);
        }

        if (await _selectors.CheckAsync(parsed, _context, commandName, targets).ConfigureAwait(false) is { } strictError)
        {
            return await UsageAsync(commandName, strictError).ConfigureAwait(false);
        }

        if (validateFirst)
        {
            // Input errors (a provider template with an unknown function or field) stop everything before anything runs.
            List<string> invalid = targets.Select(operation.Validate).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
            if (invalid.Count > 0)
            {
                return await UsageAsync(commandName, string.Join("; ", invalid.Take(5)) + (invalid.Count > 5 ? $"; … ({invalid.Count - 5} more)" : string.Empty)).ConfigureAwait(false);
            }
        }

        if (OpenFileBudget.Check(options.MaxConcurrency, targets) is { } tooMany)
        {
            return await UsageAsync(commandName, tooMany).ConfigureAwait(false);
        }

        string format = parsed.GetValue(_options.Output) ?? "table";
        bool document = format is "json" or "csv";
        TextWriter progressWriter = document ? error : _context.Console.Out;
        bool quiet = parsed.GetValue(_options.Quiet);
        if (targets.Count == 0)
        {
            await progressWriter.WriteLineAsync("No targets matched the selection; nothing to do.").ConfigureAwait(false);
            if (document)
            {
                DateTimeOffset now = _context.Time.GetUtcNow();
                new ReportedRun(_context, commandName).WriteDocument(format, new BatchResult { RunId = service.NewRunId(), Operation = operation.Name, StartedAt = now, EndedAt = now, Outcomes = [] });
            }

            return ExitCodes.Success;
        }

        if ((destructive || (criteria.All && !readOnly)) && !parsed.GetValue(_options.Yes))
        {
            string asked = Confirmation.Describe(parsed, commandName);
            if (!_context.Console.IsInteractive)
            {
                string why = destructive
                    ? $"refusing to run {asked} on {Confirmation.Count(targets.Count)} without confirmation ({commandName} changes them)"
                    : $"refusing to run {asked} on all {Confirmation.Count(targets.Count)} without confirmation";
                return await UsageAsync(commandName, why + ": pass --yes").ConfigureAwait(false);
            }

            foreach (string line in Confirmation.Overview(targets))
            {
                await error.WriteLineAsync(line).ConfigureAwait(false);
            }

            string? answer = _context.Console.Ask($"Run {asked} on {Confirmation.Count(targets.Count)}? [y/N] ");
            if (answer?.Trim().ToLowerInvariant() is not ("y" or "yes"))
            {
                await error.WriteLineAsync("Not confirmed; nothing ran.").ConfigureAwait(false);
                return ExitCodes.UsageError;
            }
        }

        string? outputDir = parsed.GetValue(_options.OutputDir);
        bool stream = parsed.GetResult(_options.Stream) is not null && parsed.GetValue(_options.Stream);
        var request = new Runs.RunRequest
        {
            Operation = operation,
            Targets = targets,
            Options = options,
            Definition = definition,
        };
        var reported = new ReportedRun(_context, commandName);
        return cluster is null
            ? await reported.ExecuteAsync(service, request, format, quiet, outputDir, stream, cancellationToken).ConfigureAwait(false)
            : await CliSilo.RunAsync(_context, commandName, cluster, workerLabels, quiet,
                workers => reported.ExecuteAsync(service, workers.Distribute(request), format, quiet, outputDir, stream, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The config file's <c>output_budget</c> when <c>--output-budget</c> is not given. Other problems in the config do
    /// not stop an acting command (they concern notifications and workflows; <c>fanout validate</c> reports them), but an
    /// invalid <c>output_budget</c> does: it would otherwise be ignored.
    /// </summary>
    private async Task<(long? Budget, string? Error)> ConfiguredOutputBudgetAsync(ParseResult parsed)
    {
        if (parsed.GetResult(_options.OutputBudget) is { Implicit: false })
        {
            return (null, null);
        }

        Configuration.FanoutConfigResult config = Configuration.FanoutConfigLoader.Load(_context.GetEnvironmentVariable, _context.CurrentDirectory);
        Fanout.Diagnostics.Diagnostic? bad = config.Diagnostics.FirstOrDefault(d => d.IsError && d.Message.StartsWith("'output_budget'", StringComparison.Ordinal));
        return bad is null ? (config.Config.OutputBudget, null) : (null, $"{bad} (the config's default for --output-budget)");
    }

    private async Task<int> UsageAsync(string commandName, string message)
    {
        await _context.Console.Error.WriteLineAsync($"fanout {commandName}: error: {message}").ConfigureAwait(false);
        return ExitCodes.UsageError;
    }
}

/// <summary>What to run (the operation part of a run definition; for a kind with no definition, the operation itself), or why it cannot run (a usage error).</summary>
internal readonly record struct DefinitionOrError(Runs.RunDefinition? Definition, string? Error, IOperation? Operation = null)
{
    public static DefinitionOrError Fail(string error) => new(null, error);
}
