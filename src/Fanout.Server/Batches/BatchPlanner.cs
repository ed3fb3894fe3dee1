using System.Globalization;
using System.Text;
using System.Text.Json;
using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Runs;
using Fanout.Selection;
using Fanout.Server.Http;

namespace Fanout.Server.Batches;

/// <summary>
/// Turns a <see cref="BatchRequest"/> into a <see cref="BatchPlan"/> (SPEC A1), collecting every problem with the field it
/// concerns: node ids and group ids must exist (unknown ones are listed), groups expand to their members, the union with
/// the selector's matches is deduplicated in inventory order and bounded by <see cref="ServerOptions.MaxTargetsPerBatch"/>.
/// The action becomes an operation in <see cref="BatchActionPlanner"/>, the options are parsed by <see cref="BatchOptionsParser"/>.
/// Nothing here runs anything.
/// </summary>
internal static class BatchPlanner
{
    public static BatchPlan? Plan(BatchRequest request, Fanout.Inventory.Inventory inventory, ServerOptions server, IReadOnlyList<string> sources,
        Problems.ErrorSet errors, out IReadOnlyList<string> unknownNodes, out IReadOnlyList<string> unknownGroups)
    {
        unknownNodes = [];
        unknownGroups = [];
        (IOperation? operation, string actionType, string summary) = BatchActionPlanner.Plan(request.Action, inventory, server, errors);
        ExecutionOptions? options = BatchOptionsParser.Parse(request.Options, errors);
        operation = BatchActionPlanner.PlanRollback(operation, options, request.Options, server, errors);
        IReadOnlyDictionary<string, string>? labels = BatchOptionsParser.ParseWorkerLabels(request.Options?.WorkerLabels, errors);

        var names = new HashSet<string>(StringComparer.Ordinal);
        bool anySource = false;
        if (request.TargetNodeIds is { } nodes)
        {
            anySource = true;
            if (nodes.Count > server.MaxTargetsPerBatch)
            {
                // Ids per request are bounded like targets: a huge list is refused before anything looks it up.
                errors.Add("targetNodeIds", $"{nodes.Count} node ids; at most {server.MaxTargetsPerBatch} are allowed per request");
                return null;
            }

            unknownNodes = [.. nodes.Where(n => inventory.FindTarget(n) is null).Distinct(StringComparer.Ordinal)];
            if (unknownNodes.Count > 0)
            {
                errors.Add("targetNodeIds", $"unknown node ids: {Listed(unknownNodes)}");
            }

            names.UnionWith(nodes);
        }

        if (request.TargetGroupIds is { } groups)
        {
            anySource = true;
            if (groups.Count > server.MaxTargetsPerBatch)
            {
                errors.Add("targetGroupIds", $"{groups.Count} group ids; at most {server.MaxTargetsPerBatch} are allowed per request");
                return null;
            }

            unknownGroups = [.. groups.Where(g => inventory.FindGroup(g) is null).Distinct(StringComparer.Ordinal)];
            if (unknownGroups.Count > 0)
            {
                errors.Add("targetGroupIds", $"unknown group ids: {Listed(unknownGroups)}");
            }

            foreach (string g in groups.Where(g => inventory.FindGroup(g) is not null))
            {
                names.UnionWith(inventory.GetGroupTargets(g).Select(t => t.Name));
            }
        }

        if (request.Selector is { } selector)
        {
            anySource = true;
            SelectionCriteria criteria = ToCriteria(selector);
            if (criteria.IsEmpty)
            {
                errors.Add("selector", "the selector selects nothing: give tags, patterns, regexes, groups, limit or all: true");
            }
            else
            {
                try
                {
                    names.UnionWith(Selector.Select(inventory, criteria).Select(t => t.Name));
                }
                catch (SelectionException e)
                {
                    errors.Add("selector", e.Message);
                }
            }
        }

        if (!anySource)
        {
            errors.Add("targetNodeIds", "no targets: give targetNodeIds, targetGroupIds or selector");
        }

        var targets = inventory.Targets.Where(t => names.Contains(t.Name)).ToList();
        if (anySource && !errors.Any && targets.Count == 0)
        {
            errors.Add("targets", "the request selects no targets; nothing was run");
        }

        if (operation is LifecycleOperation lifecycle)
        {
            foreach (Target target in targets)
            {
                if (lifecycle.Validate(target) is { } problem)
                {
                    errors.Add("action.value", $"task '{lifecycle.Name}': {problem}");
                }
            }
        }

        if (targets.Count > server.MaxTargetsPerBatch)
        {
            errors.Add("targets", $"the request selects {targets.Count} targets; at most {server.MaxTargetsPerBatch} are allowed per batch");
        }

        if (errors.Any || operation is null || options is null)
        {
            return null;
        }

        // The exact target list, stored as a list, so resume and retry find the same targets again in the inventory.
        RunDefinition? definition = RunDefinition.Describe(operation, sources, new SelectionCriteria(), options) is { } d
            ? d with { Targets = [.. targets.Select(t => t.Name)], WorkerLabels = labels }
            : null;
        if (labels is not null && (definition is null || options.Atomic))
        {
            // Such runs stay in the coordinating server (docs/scale-out.md): asking for workers there is refused, never ignored.
            errors.Add("options.workerLabels", definition is null
                ? $"a {actionType} action runs in the server, not on workers: remove options.workerLabels"
                : "an atomic run runs in the server (its rollback must run where its target ran), not on workers: remove options.workerLabels");
            return null;
        }

        return new BatchPlan(targets, operation, options, definition, actionType, summary);
    }

    /// <summary>The most unknown ids a 400 lists (the <c>unknownNodeIds</c>/<c>unknownGroupIds</c> extensions as well); the rest are counted.</summary>
    public const int MaxListedIds = 100;

    /// <summary>The first <see cref="MaxListedIds"/> ids, comma-separated, and how many more there are.</summary>
    public static string Listed(IReadOnlyList<string> ids) =>
        ids.Count <= MaxListedIds ? string.Join(", ", ids) : $"{string.Join(", ", ids.Take(MaxListedIds))} and {ids.Count - MaxListedIds} more";

    public static SelectionCriteria ToCriteria(SelectorRequest s) => new()
    {
        Tags = s.Tags ?? [],
        Patterns = s.Patterns ?? [],
        Regexes = s.Regexes ?? [],
        Groups = s.Groups ?? [],
        Limit = s.Limit,
        All = s.All ?? false,
        Excludes = s.Excludes ?? [],
    };
}
