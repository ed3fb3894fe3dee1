namespace Fanout.Workflows.Engine;

/// <summary>A sibling list as the scheduler sees it.</summary>
internal readonly record struct DagNode(int[] DependsOn, int Priority, bool Leaf, double Cpu, long Memory);

/// <summary>How a scheduled node ended, for its dependents.</summary>
internal enum DagOutcome
{
    /// <summary>Dependents may run.</summary>
    Satisfied,

    /// <summary>Dependents are skipped.</summary>
    Blocked,
}

/// <summary>
/// Runs one list of sibling steps (SPEC W6, W7, W8): a node starts when its dependencies are satisfied, a slot of
/// the list's limit is free and — for leaf steps — the run-wide <see cref="ResourcePool"/> has room. Among ready
/// nodes, lower <c>priority</c> goes first (concurrent lists), then declaration order. Nodes whose dependency was
/// blocked are skipped; when <c>stop</c> turns true, nodes not yet started are abandoned.
/// </summary>
internal static class DagScheduler
{
    public static async Task RunAsync(
        IReadOnlyList<DagNode> nodes,
        int limit,
        bool byPriority,
        ResourcePool pool,
        Func<int, Task<DagOutcome>> run,
        Action<int, int?> abandon,
        Func<bool> stop)
    {
        int n = nodes.Count;
        var waiting = new int[n];
        var dependents = new List<int>[n];
        var started = new bool[n];
        for (int i = 0; i < n; i++)
        {
            dependents[i] = [];
        }

        var ready = new SortedSet<(int Priority, int Index)>();
        for (int i = 0; i < n; i++)
        {
            int[] deps = nodes[i].DependsOn;
            waiting[i] = deps.Length;
            foreach (int d in deps)
            {
                dependents[d].Add(i);
            }

            if (deps.Length == 0)
            {
                ready.Add((byPriority ? nodes[i].Priority : 0, i));
            }
        }

        var running = new Dictionary<Task<DagOutcome>, int>();
        var startable = new List<(int, int)>();
        while (true)
        {
            bool resourceBlocked = false;
            if (!stop())
            {
                startable.Clear();
                foreach ((int Priority, int Index) entry in ready)
                {
                    if (running.Count + startable.Count >= limit)
                    {
                        break;
                    }

                    DagNode node = nodes[entry.Index];
                    if (node.Leaf && !pool.TryAcquire(node.Cpu, node.Memory))
                    {
                        resourceBlocked = true;
                        continue; // a smaller ready step may still fit
                    }

                    startable.Add(entry);
                }

                foreach ((int, int Index) entry in startable)
                {
                    ready.Remove(entry);
                    started[entry.Index] = true;
                    running[StartAsync(nodes[entry.Index], entry.Index, run, pool)] = entry.Index;
                }
            }
            else
            {
                foreach ((int, int Index) entry in ready)
                {
                    started[entry.Index] = true;
                    abandon(entry.Index, null);
                }

                ready.Clear();
            }

            if (running.Count == 0)
            {
                if (ready.Count == 0)
                {
                    break;
                }

                // Everything ready waits for resources held by steps of other lists.
                await pool.Changed.ConfigureAwait(false);
                continue;
            }

            Task<DagOutcome>? done = resourceBlocked
                ? await WhenAnyOrChangedAsync(running.Keys, pool.Changed).ConfigureAwait(false)
                : await Task.WhenAny(running.Keys).ConfigureAwait(false);
            if (done is null)
            {
                continue;
            }

            int index = running[done];
            running.Remove(done);
            DagOutcome outcome = await done.ConfigureAwait(false);
            Propagate(index, outcome);
        }

        // Nodes never reached (a dependency was abandoned) are reported too.
        for (int i = 0; i < n; i++)
        {
            if (!started[i])
            {
                abandon(i, null);
            }
        }

        void Propagate(int index, DagOutcome outcome)
        {
            foreach (int d in dependents[index])
            {
                if (started[d])
                {
                    continue;
                }

                if (outcome == DagOutcome.Blocked)
                {
                    started[d] = true;
                    abandon(d, index);
                    Propagate(d, DagOutcome.Blocked);
                }
                else if (--waiting[d] == 0)
                {
                    ready.Add((byPriority ? nodes[d].Priority : 0, d));
                }
            }
        }
    }

    private static async Task<DagOutcome> StartAsync(DagNode node, int index, Func<int, Task<DagOutcome>> run, ResourcePool pool)
    {
        try
        {
            return await run(index).ConfigureAwait(false);
        }
        finally
        {
            if (node.Leaf)
            {
                pool.Release(node.Cpu, node.Memory);
            }
        }
    }

    private static async Task<Task<DagOutcome>?> WhenAnyOrChangedAsync(IEnumerable<Task<DagOutcome>> running, Task changed)
    {
        Task first = await Task.WhenAny(running.Cast<Task>().Append(changed)).ConfigureAwait(false);
        return first == changed ? null : (Task<DagOutcome>)first;
    }
}
