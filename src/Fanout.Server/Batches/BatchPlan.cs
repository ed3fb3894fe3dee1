using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Runs;

namespace Fanout.Server.Batches;

/// <summary>A validated batch request: the targets (deduplicated, inventory order), the operation, options and the recorded definition.</summary>
internal sealed record BatchPlan(IReadOnlyList<Target> Targets, IOperation Operation, ExecutionOptions Options, RunDefinition? Definition, string ActionType, string ActionSummary);
