using System.Diagnostics;
using Fanout.Events;
using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Runs;
using Fanout.Storage;
using Fanout.Transports;

namespace Fanout.Benchmarks;

/// <summary>
/// <c>--store-overhead [--targets N] [--parallel P] [--runs R] [--postgres URL]</c>: SPEC N5. Runs N local
/// <c>/bin/true</c> targets through <see cref="RunService"/> without a store, with SQLite and (given a URL)
/// with PostgreSQL, interleaved R times, and prints the median wall times and the store's overhead.
/// </summary>
internal static class StoreOverhead
{
    public static async Task<int> RunAsync(string[] args)
    {
        int targets = Arg(args, "--targets", 10_000);
        int parallel = Arg(args, "--parallel", 32);
        int runs = Arg(args, "--runs", 3);
        string? postgres = args.SkipWhile(a => a != "--postgres").Skip(1).FirstOrDefault();
        string dir = Directory.CreateTempSubdirectory("fanout-n5-").FullName;
        var list = Enumerable.Range(0, targets).Select(i => new Target { Name = $"t{i:D5}" }).ToList();
        var options = new ExecutionOptions { MaxConcurrency = parallel };
        var configurations = new List<(string Name, Func<int, Task<IRunStore?>> Open)>
        {
            ("no store", _ => Task.FromResult<IRunStore?>(null)),
            ("SQLite", async r => await StoreFactory.OpenAsync(Path.Combine(dir, $"n5-{r}.db"), CancellationToken.None)),
        };
        if (postgres is not null)
        {
            configurations.Add(("PostgreSQL", async _ => await StoreFactory.OpenAsync(postgres, CancellationToken.None)));
        }

        var times = configurations.ToDictionary(c => c.Name, _ => new List<double>());
        var cpu = configurations.ToDictionary(c => c.Name, _ => new List<double>());
        await MeasureAsync(null, list.Take(200).ToList(), options); // warm-up: JIT, process spawning
        for (int r = 0; r < runs; r++)
        {
            foreach ((string name, Func<int, Task<IRunStore?>> open) in configurations)
            {
                IRunStore? store = await open(r);
                try
                {
                    TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                    double ms = await MeasureAsync(store, list, options);
                    double cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds;
                    times[name].Add(ms);
                    cpu[name].Add(cpuMs);
                    Console.WriteLine($"run {r + 1}: {name,-10} {ms,9:0} ms wall {cpuMs,9:0} ms cpu (this process)");
                }
                finally
                {
                    if (store is not null)
                    {
                        await store.DisposeAsync();
                    }
                }
            }
        }

        double baseline = Median(times["no store"]);
        double baselineCpu = Median(cpu["no store"]);
        Console.WriteLine();
        Console.WriteLine($"{targets:N0} × /bin/true, parallel {parallel}, {Environment.ProcessorCount} cores, medians of {runs}:");
        foreach ((string name, List<double> t) in times)
        {
            double m = Median(t);
            double c = Median(cpu[name]);
            Console.WriteLine($"  {name,-10} {m,9:0} ms wall  overhead {(m - baseline) / baseline * 100,6:+0.0;-0.0}%   {c,9:0} ms cpu  ({(c - baselineCpu) / targets * 1000,5:0} µs cpu per target)");
        }

        Directory.Delete(dir, recursive: true);
        return 0;
    }

    private static async Task<double> MeasureAsync(IRunStore? store, List<Target> targets, ExecutionOptions options)
    {
        var service = new RunService(store: store);
        var operation = new CommandOperation(CommandSpec.Exec("/bin/true"));
        var request = new RunRequest
        {
            Operation = operation,
            Targets = targets,
            Options = options,
            Definition = RunDefinition.Describe(operation, [], new Selection.SelectionCriteria { All = true }, options),
        };
        var watch = Stopwatch.StartNew();
        BatchResult result = await service.ExecuteAsync(request, new ProgressTracker(), CancellationToken.None);
        watch.Stop();
        if (result.Count(TargetState.Succeeded) != targets.Count)
        {
            throw new InvalidOperationException($"only {result.Count(TargetState.Succeeded)} of {targets.Count} targets succeeded");
        }

        return watch.Elapsed.TotalMilliseconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static int Arg(string[] args, string name, int fallback)
    {
        string? value = args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        return value is null ? fallback : int.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
