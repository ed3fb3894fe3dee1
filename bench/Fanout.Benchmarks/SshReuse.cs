using System.Collections.Concurrent;
using System.Diagnostics;
using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Runs;
using Fanout.Selection;
using Fanout.Transports;
using Fanout.Transports.Local;
using Fanout.Transports.Ssh;

namespace Fanout.Benchmarks;

/// <summary>
/// N3 connection reuse: runs `true` once per target, then a run of `true; true` as two operations of
/// one composite (one connection per target), and reports what the second command cost.
/// Usage: ssh-reuse INVENTORY KNOWN_HOSTS PARALLEL [KEX]
/// </summary>
internal static class SshReuse
{
    public static async Task<int> RunAsync(string[] args)
    {
        string inventory = args[1];
        var ssh = new SshTransportOptions { KnownHostsFiles = [args[2]] };
        if (args.Length > 4)
        {
            ssh.KexAlgorithms = [args[4]];
        }

        var registry = new TransportRegistry().Register(new LocalTransport()).Register(new SshTransport(ssh));
        var service = new RunService(registry);
        TargetSet targets = await service.SelectTargetsAsync([inventory], new SelectionCriteria { All = true }, CancellationToken.None);
        var options = new ExecutionOptions { MaxConcurrency = int.Parse(args[3]) };

        var first = new Timed(new CommandOperation(CommandSpec.Sh("true")));
        var second = new Timed(new CommandOperation(CommandSpec.Sh("true")));
        await Run(service, new CommandOperation(CommandSpec.Sh("true")), targets, options); // warm-up (JIT, key load)
        TimeSpan one = await Run(service, new CommandOperation(CommandSpec.Sh("true")), targets, options);
        TimeSpan two = await Run(service, Operation.Composite("two", first, second), targets, options);
        double extra = (two - one).TotalSeconds;
        Console.WriteLine($"kex={(args.Length > 4 ? args[4] : "default")} targets={targets.Count}");
        Console.WriteLine($"one command run: {one.TotalSeconds:0.000} s; two-command run: {two.TotalSeconds:0.000} s; second command adds {extra:0.000} s = {extra / one.TotalSeconds:P1} of the first");
        Console.WriteLine($"per target: first command (incl. connect) mean {first.Mean:0.0} ms, second command mean {second.Mean:0.0} ms = {second.Mean / first.Mean:P1}");
        return 0;
    }

    private static async Task<TimeSpan> Run(RunService service, IOperation op, TargetSet targets, ExecutionOptions options)
    {
        var watch = Stopwatch.StartNew();
        BatchResult result = await service.ExecuteAsync(op, targets, options);
        if (!result.AllSucceeded)
        {
            throw new InvalidOperationException("not every target succeeded: " + result.Outcomes.First(o => o.State != TargetState.Succeeded).Error);
        }

        return watch.Elapsed;
    }

    private sealed class Timed(IOperation inner) : IOperation
    {
        private readonly ConcurrentBag<double> _ms = [];

        public string Name => inner.Name;

        public double Mean => _ms.Average();

        public async Task<OperationResult> ExecuteAsync(Target target, OperationContext context, CancellationToken cancellationToken)
        {
            long start = Stopwatch.GetTimestamp();
            OperationResult result = await inner.ExecuteAsync(target, context, cancellationToken);
            _ms.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            return result;
        }
    }
}
