using Fanout.Diagnostics;
using Fanout.Workflows.Model;
using Fanout.Workflows.Parsing;

namespace Fanout.Workflows.Validation;

public static partial class WorkflowValidator
{
    private sealed partial class Run
    {
        private readonly HashSet<string> _reportedCycles = new(StringComparer.Ordinal);

        private void CheckSteps()
        {
            var main = new List<WorkflowStep>();
            Flatten(workflow.Steps, main);
            CheckUnique(main.Select(s => (s.Name, s.Position)), "step");
            var breakers = workflow.CircuitBreakers.Select(b => b.Name).ToList();
            CheckUnique(workflow.CircuitBreakers.Select(b => (b.Name, b.Position)), "circuit breaker");

            var captures = new Dictionary<string, WorkflowStep>(StringComparer.Ordinal);
            foreach (var step in main.Where(s => s.CaptureOutput is not null))
            {
                if (!captures.TryAdd(step.CaptureOutput!, step))
                {
                    Warning(step.Position, $"step '{step.Name}' captures output '{step.CaptureOutput}', which step '{captures[step.CaptureOutput!].Name}' also captures; the later one wins");
                }
            }

            CheckList(workflow.Steps, breakers);
            foreach (var (list, _) in HookLists())
            {
                CheckUnique(list.Select(s => (s.Name, s.Position)), "step");
                CheckList(list, breakers);
            }
        }

        private IEnumerable<(IReadOnlyList<WorkflowStep> List, string Where)> HookLists()
        {
            yield return (workflow.OnSuccess, "on_success");
            yield return (workflow.OnFailure, "on_failure");
            if (workflow.PostExecution is { } post)
            {
                yield return (post.Success, "post_execution.success");
                yield return (post.Failure, "post_execution.failure");
            }

            if (workflow.Rollback is { } rollback)
            {
                yield return (rollback.Steps, "rollback.steps");
            }
        }

        private static void Flatten(IReadOnlyList<WorkflowStep> steps, List<WorkflowStep> into)
        {
            foreach (var step in steps)
            {
                into.Add(step);
                Flatten(step.Steps, into);
            }
        }

        private void CheckList(IReadOnlyList<WorkflowStep> siblings, IReadOnlyList<string> breakers)
        {
            CheckDependencies(siblings);
            foreach (var step in siblings)
            {
                CheckStep(step, breakers);
                CheckList(step.Steps, breakers);
                foreach (var hooks in new[] { step.OnRetry, step.OnFailure, step.OnSuccess, step.Rollback, step.FallbackSteps })
                {
                    CheckList(hooks, breakers);
                }
            }
        }

        private void CheckStep(WorkflowStep step, IReadOnlyList<string> breakers)
        {
            var actions = (step.Command is not null ? 1 : 0) + (step.Script is not null ? 1 : 0) + (step.IsGroup ? 1 : 0);
            if (actions > 1)
            {
                Error(step.Position, $"step '{step.Name}' has more than one of 'command', 'script' and 'steps'; use one");
            }
            else if (actions == 0 && !step.ManualApproval)
            {
                Error(step.Position, $"step '{step.Name}' needs a 'command', a 'script' or child 'steps'");
            }

            if (step.IsGroup && step.Steps.Count == 0)
            {
                Warning(step.Position, $"step '{step.Name}' has an empty 'steps' group; it does nothing");
            }

            if (!step.IsGroup)
            {
                if (step.Parallel || step.ParallelLimit is not null)
                {
                    Error(step.Position, $"step '{step.Name}': 'parallel'/'parallel_limit' apply to a group with child 'steps' (use targets.parallel to fan out to targets)");
                }

                if (step.Atomic)
                {
                    Error(step.Position, $"step '{step.Name}': 'atomic'/'rollback_on_failure' apply to a group with child 'steps'");
                }
            }

            if (step.Dynamic && step.Script is null)
            {
                Error(step.Position, $"step '{step.Name}': 'dynamic: true' needs a 'script'");
            }

            if (step.Timeout == TimeSpan.Zero)
            {
                Error(step.Position, $"step '{step.Name}': 'timeout' must be more than 0");
            }

            if (step.CaptureOutput is { } capture && !IsIdentifier(capture))
            {
                Error(step.Position, $"step '{step.Name}': capture_output name '{capture}' must be letters, digits and '_' (it is read as .outputs.{capture})");
            }

            if (step.CircuitBreaker is { } cb && !breakers.Contains(cb.Name))
            {
                Error(cb.Position, $"step '{step.Name}' uses circuit breaker '{cb.Name}', which is not defined in 'circuit_breakers'{EditDistance.Hint(cb.Name, breakers)}");
            }

            CheckResources(step);
            CheckTemplate(step.Command);
            CheckTemplate(step.Script);
            CheckExpression(step.When);
            CheckTemplate(step.WorkingDirectory);
            foreach (var value in step.Environment.Values)
            {
                CheckTemplate(value);
            }

            foreach (var value in step.Metrics?.CustomLabels.Values ?? [])
            {
                CheckTemplate(value);
            }
        }

        private void CheckResources(WorkflowStep step)
        {
            if (step.Resources is not { } need || workflow.ResourceLimits is not { } limits)
            {
                return;
            }

            if (need.MemoryBytes is { } mem && limits.MemoryLimitBytes is { } memLimit && mem > memLimit)
            {
                Error(need.Position, $"step '{step.Name}' requests {ResourceQuantity.FormatMemory(mem)} of memory but resource_limits.memory_limit is {ResourceQuantity.FormatMemory(memLimit)}; it can never start");
            }

            if (need.Cpu is { } cpu && limits.CpuLimit is { } cpuLimit && cpu > cpuLimit)
            {
                Error(need.Position, $"step '{step.Name}' requests {ResourceQuantity.FormatCpu(cpu)} CPU but resource_limits.cpu_limit is {ResourceQuantity.FormatCpu(cpuLimit)}; it can never start");
            }
        }

        private void CheckDependencies(IReadOnlyList<WorkflowStep> siblings)
        {
            var byName = new Dictionary<string, WorkflowStep>(StringComparer.Ordinal);
            foreach (var s in siblings)
            {
                byName.TryAdd(s.Name, s);
            }

            foreach (var step in siblings)
            {
                foreach (var dep in step.DependsOn.Where(d => !byName.ContainsKey(d.Name)))
                {
                    Error(dep.Position, $"step '{step.Name}' depends on unknown step '{dep.Name}'{EditDistance.Hint(dep.Name, byName.Keys.Where(k => k != step.Name))} (depends_on names a sibling step)");
                }

                foreach (var dep in step.DependsOn.Where(d => byName.TryGetValue(d.Name, out var target) && target.NameDerived))
                {
                    Error(dep.Position, $"step '{step.Name}' depends on '{dep.Name}', a step without a name (its name is derived from its position and changes when steps are added before it); give that step a 'name:' and depend on that name");
                }
            }

            var state = new Dictionary<string, int>(StringComparer.Ordinal);
            var stack = new List<WorkflowStep>();
            foreach (var step in siblings)
            {
                Visit(step);
            }

            void Visit(WorkflowStep step)
            {
                state[step.Name] = 1;
                stack.Add(step);
                foreach (var dep in step.DependsOn)
                {
                    if (!byName.TryGetValue(dep.Name, out var target))
                    {
                        continue;
                    }

                    var s = state.GetValueOrDefault(dep.Name);
                    if (s == 1)
                    {
                        var start = stack.FindIndex(x => x.Name == dep.Name);
                        var cycle = stack.Skip(start).Select(x => x.Name).Append(dep.Name).ToList();
                        var key = string.Join('\0', cycle.Skip(1).Order(StringComparer.Ordinal));
                        if (_reportedCycles.Add(key))
                        {
                            Error(stack[start].Position, $"dependency cycle: {string.Join(" → ", cycle)}");
                        }
                    }
                    else if (s == 0)
                    {
                        Visit(target);
                    }
                }

                stack.RemoveAt(stack.Count - 1);
                state[step.Name] = 2;
            }
        }
    }
}
