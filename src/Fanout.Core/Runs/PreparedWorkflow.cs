using Fanout.Diagnostics;
using Fanout.Workflows.Engine;
using Fanout.Workflows.Model;
using Fanout.Workflows.Parameters;

namespace Fanout.Runs;

/// <summary>
/// A workflow run's <see cref="RunDefinition"/> turned into what runs (<see cref="RunService.PrepareWorkflowAsync"/>): the file validated,
/// its parameters bound, its inventory loaded — or why not (<see cref="Errors"/>, <see cref="Diagnostics"/>). The CLI and the server
/// prepare fresh runs, resumes, retries and schedule fires through it.
/// </summary>
public sealed record PreparedWorkflow
{
    /// <summary>The definition as given (secrets included where given inline).</summary>
    public required RunDefinition Definition { get; init; }

    /// <summary>The validated workflow, or <see langword="null"/> when it is invalid.</summary>
    public WorkflowDefinition? Workflow { get; init; }

    /// <summary>The bound parameters, or <see langword="null"/> when binding failed or was not reached.</summary>
    public ParameterBindingResult? Binding { get; init; }

    /// <summary>The inventory for steps with <c>targets:</c>, or <see langword="null"/> when no step has targets (or it was not loaded).</summary>
    public Inventory.Inventory? Inventory { get; init; }

    /// <summary>What the validator reported (file:line:col), errors and warnings.</summary>
    public IReadOnlyList<Diagnostic> Diagnostics { get; init; } = [];

    /// <summary>Why it cannot run (binding errors masked, a missing secret, an inventory error); empty when it can.</summary>
    public IReadOnlyList<string> Errors { get; init; } = [];

    /// <summary>
    /// For a resume or retry: the secret parameters the run was given inline that were not given again (named in <see cref="Errors"/>);
    /// empty otherwise.
    /// </summary>
    public IReadOnlyList<string> MissingSecrets { get; init; } = [];

    /// <summary>Whether a step (at any depth) has <c>targets:</c>, so the run needs an inventory.</summary>
    public bool NeedsInventory => Workflow is not null && HasTargets(Workflow.Steps);

    /// <summary>Whether the workflow can run.</summary>
    public bool Ready => Workflow is not null && Binding is { Success: true } && Errors.Count == 0 && !Diagnostics.Any(d => d.IsError);

    /// <summary>
    /// The definition as it is recorded with the run: a secret parameter given inline with <c>--set</c> is left out and named in
    /// <see cref="RecordedWorkflow.InlineSecrets"/> (never recorded, not even masked).
    /// </summary>
    public RunDefinition Recordable
    {
        get
        {
            RecordedWorkflow recorded = Definition.Workflow!;
            if (Workflow is null)
            {
                return Definition;
            }

            (IReadOnlyList<string> set, IReadOnlyList<string> inline) = SecretReferences.Strip(Workflow, recorded.Set);
            return Definition with
            {
                Version = RunDefinition.CurrentVersion,
                Workflow = recorded with { Set = set, InlineSecrets = [.. recorded.InlineSecrets.Union(inline, StringComparer.Ordinal)] },
            };
        }
    }

    /// <summary>The overall time limit (<see cref="RecordedWorkflow.Timeout"/>), or <see langword="null"/>.</summary>
    public TimeSpan? Timeout => Definition.Workflow?.Timeout is { } t && Duration.TryParse(t, out TimeSpan d) && d > TimeSpan.Zero ? d : null;

    /// <summary>
    /// The request for the engine: a fresh run, a resume of <paramref name="runId"/> (<paramref name="resume"/>), or a retry of
    /// <paramref name="retryOf"/> as the new run <paramref name="runId"/>. The recorded definition is <see cref="Recordable"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The workflow is not <see cref="Ready"/>.</exception>
    public WorkflowRunRequest ToRequest(string? runId = null, string? actor = null, bool resume = false, string? retryOf = null)
    {
        if (!Ready)
        {
            throw new InvalidOperationException("the workflow is not ready to run: " + string.Join("; ", Errors));
        }

        return new WorkflowRunRequest
        {
            Workflow = Workflow!,
            Parameters = Binding!.Values,
            SecretValues = Binding.SecretValues,
            RunId = runId,
            Actor = actor,
            Resume = resume,
            RetryOf = retryOf,
            Definition = Recordable.ToJson(),
        };
    }

    private static bool HasTargets(IEnumerable<WorkflowStep> steps) => steps.Any(s => s.Targets is not null || HasTargets(s.Steps));
}
