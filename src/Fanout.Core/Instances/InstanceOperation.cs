using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Output;

namespace Fanout.Instances;

/// <summary>
/// An operation on agent instances (SPEC I2) with the batch-operations document's validations and
/// rollbacks, run by the ordinary <see cref="Execution.BatchExecutor"/> (waves, parallelism, retries,
/// atomic rollback, progress, history):
/// <list type="table">
/// <listheader><term>operation</term><description>validation · rollback</description></listheader>
/// <item><term><see cref="Start"/></term><description>not already started, title not empty · kill</description></item>
/// <item><term><see cref="Prompt"/></term><description>started and not paused (running), prompt not empty · none</description></item>
/// <item><term><see cref="Pause"/></term><description>started and not already paused · resume</description></item>
/// <item><term><see cref="Resume"/></term><description>paused · pause</description></item>
/// <item><term><see cref="Kill"/></term><description>started · none</description></item>
/// <item><term><see cref="Preview"/></term><description>running · none (read-only)</description></item>
/// </list>
/// Targets without an <see cref="Target.Instance"/> fail validation.
/// </summary>
/// <example>
/// <code>
/// var chain = new OperationChain(stopOnFailure: true)
///     .Then(InstanceOperation.Prompt("Commit your work"))
///     .Then(InstanceOperation.Pause());
/// await chain.ExecuteAsync(executor, instances);
/// </code>
/// </example>
public sealed class InstanceOperation : IOperation
{
    private InstanceOperation(InstanceAction action, string? text)
    {
        Action = action;
        Text = text;
        Name = "instance " + action.ToString().ToLowerInvariant();
    }

    /// <summary>What the operation does.</summary>
    public InstanceAction Action { get; }

    /// <summary>The prompt text of a <see cref="InstanceAction.Prompt"/> operation, else <see langword="null"/>.</summary>
    public string? Text { get; }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public bool SupportsRollback => Action is InstanceAction.Start or InstanceAction.Pause or InstanceAction.Resume;

    /// <summary>Starts instances: creates each worktree (on a new branch, or the branch a kill left) and starts the program in a tmux session.</summary>
    public static InstanceOperation Start() => new(InstanceAction.Start, null);

    /// <summary>Types <paramref name="text"/> into each running instance's session and presses Enter.</summary>
    /// <param name="text">The prompt; an empty prompt fails validation on every target.</param>
    public static InstanceOperation Prompt(string text) => new(InstanceAction.Prompt, text ?? string.Empty);

    /// <summary>Pauses instances: commits the worktree's changes, stops the session, removes the worktree; the branch stays.</summary>
    public static InstanceOperation Pause() => new(InstanceAction.Pause, null);

    /// <summary>Resumes paused instances: recreates the worktree from the branch and restarts the program.</summary>
    public static InstanceOperation Resume() => new(InstanceAction.Resume, null);

    /// <summary>Kills instances: stops the session and removes the worktree; the branch stays.</summary>
    public static InstanceOperation Kill() => new(InstanceAction.Kill, null);

    /// <summary>Captures each running instance's pane text as its output.</summary>
    public static InstanceOperation Preview() => new(InstanceAction.Preview, null);

    /// <summary>
    /// Parses a chain step as written on the command line: <c>start</c>, <c>pause</c>, <c>resume</c>,
    /// <c>kill</c>, <c>preview</c>, or <c>prompt:TEXT</c>.
    /// </summary>
    /// <exception cref="FormatException">The step is none of these; the message lists them.</exception>
    public static InstanceOperation Parse(string step)
    {
        ArgumentNullException.ThrowIfNull(step);
        const string promptPrefix = "prompt:";
        if (step.StartsWith(promptPrefix, StringComparison.Ordinal))
        {
            return Prompt(step[promptPrefix.Length..]);
        }

        return step switch
        {
            "start" => Start(),
            "pause" => Pause(),
            "resume" => Resume(),
            "kill" => Kill(),
            "preview" => Preview(),
            _ => throw new FormatException($"unknown instance step '{step}' (expected start, prompt:TEXT, pause, resume, kill or preview)"),
        };
    }

    /// <inheritdoc/>
    public string? Validate(Target target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.Instance is not { } spec)
        {
            return "not an instance target (declare it under 'instances:' or discover it with a tmux:PREFIX source)";
        }

        if (Action == InstanceAction.Start && string.IsNullOrWhiteSpace(target.Name))
        {
            return "title must not be empty";
        }

        if (Action == InstanceAction.Prompt && string.IsNullOrWhiteSpace(Text))
        {
            return "prompt must not be empty";
        }

        InstanceState state = InstanceControl.GetState(spec);
        return (Action, state) switch
        {
            (InstanceAction.Start, not InstanceState.NotStarted) => $"instance is already started ({state.ToWireName()})",
            (InstanceAction.Prompt or InstanceAction.Preview, not InstanceState.Running) => $"instance is not running ({state.ToWireName()})",
            (InstanceAction.Pause, InstanceState.NotStarted) => "instance is not started",
            (InstanceAction.Pause, InstanceState.Paused) => "instance is already paused",
            (InstanceAction.Resume, not InstanceState.Paused) => $"instance is not paused ({state.ToWireName()})",
            (InstanceAction.Kill, InstanceState.NotStarted) => "instance is not started",
            _ => null,
        };
    }

    /// <inheritdoc/>
    public async Task<OperationResult> ExecuteAsync(Target target, OperationContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(context);
        InstanceSpec spec = target.Instance ?? throw new FanoutException($"target '{target.Name}' is not an instance");
        switch (Action)
        {
            case InstanceAction.Start:
                return Done(await InstanceControl.StartAsync(target, spec, cancellationToken).ConfigureAwait(false), spec, InstanceState.Running);
            case InstanceAction.Resume:
                return Done(await InstanceControl.ResumeAsync(target, spec, cancellationToken).ConfigureAwait(false), spec, InstanceState.Running);
            case InstanceAction.Kill:
                return Done(await InstanceControl.KillAsync(spec, cancellationToken).ConfigureAwait(false), spec, InstanceState.NotStarted);
            case InstanceAction.Pause:
                (string? error, string? commit, bool committed) = await InstanceControl.PauseAsync(target, spec, context.TimeProvider, cancellationToken).ConfigureAwait(false);
                if (error is not null)
                {
                    return OperationResult.Failed(error);
                }

                return OperationResult.Succeeded(exitCode: null) with
                {
                    Data = new Dictionary<string, object?> { ["state"] = "paused", ["branch"] = spec.Branch, ["commit"] = commit, ["committed"] = committed },
                };
            case InstanceAction.Prompt:
                InstanceProcess.Result sent = await Tmux.SendTextAsync(spec, Text!, cancellationToken).ConfigureAwait(false);
                return sent.Ok ? OperationResult.Succeeded(exitCode: null) : OperationResult.Failed("tmux send-keys failed: " + sent.Reason);
            default:
                InstanceProcess.Result pane = await Tmux.CapturePaneAsync(spec, cancellationToken).ConfigureAwait(false);
                if (!pane.Ok)
                {
                    return OperationResult.Failed("tmux capture-pane failed: " + pane.Reason);
                }

                using (OutputCapture capture = context.CreateOutputCapture("stdout"))
                {
                    capture.Write(pane.Stdout.TrimEnd() + "\n");
                    return OperationResult.Succeeded(exitCode: null) with { Stdout = capture.Complete() };
                }
        }
    }

    /// <inheritdoc/>
    public Task<OperationResult> RollbackAsync(Target target, OperationContext context, CancellationToken cancellationToken) => Action switch
    {
        InstanceAction.Start => Kill().ExecuteAsync(target, context, cancellationToken),
        InstanceAction.Pause => Resume().ExecuteAsync(target, context, cancellationToken),
        InstanceAction.Resume => Pause().ExecuteAsync(target, context, cancellationToken),
        _ => throw new NotSupportedException($"Operation '{Name}' has no rollback."),
    };

    private static OperationResult Done(string? error, InstanceSpec spec, InstanceState state) => error is null
        ? OperationResult.Succeeded(exitCode: null) with
        {
            Data = new Dictionary<string, object?> { ["state"] = state.ToWireName(), ["branch"] = spec.Branch, ["worktree"] = spec.Worktree, ["session"] = spec.Session },
        }
        : OperationResult.Failed(error);
}
