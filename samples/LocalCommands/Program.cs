// A real transport (SPEC S1): commands run as local processes, with FANOUT_* variables, captured
// output and exit codes, a per-target timeout that kills the whole process tree, and a retry of
// exactly the failed targets (TargetOutcome.TargetDefinition / BatchResult.FailedTargets).
// No TransportRegistry is passed: the executor uses the built-in local, ssh and device transports.
using Fanout.Execution;
using Fanout.Inventory;
using Fanout.Operations;
using Fanout.Transports;

List<Target> targets =
[
    .. Enumerable.Range(1, 4).Select(i => new Target
    {
        Name = $"worker{i}",
        Transport = TransportNames.Local,
        Tags = new Dictionary<string, string> { ["role"] = "worker" },
    }),
    new Target { Name = "slowpoke", Transport = TransportNames.Local, Tags = new Dictionary<string, string> { ["role"] = "slow" } },
];

// `sh -c`: the process sees FANOUT_TARGET and FANOUT_TAG_ROLE; slowpoke sleeps past its timeout.
var command = new CommandOperation(CommandSpec.Sh("""
    if [ "$FANOUT_TAG_ROLE" = slow ] && [ ! -e "$MARKER" ]; then sleep 30; fi
    echo "hello from $FANOUT_TARGET ($FANOUT_TAG_ROLE)"
    """) with { Environment = new Dictionary<string, string> { ["MARKER"] = Path.Combine(Path.GetTempPath(), $"fanout-sample-{Environment.ProcessId}") } }, "hello");

var executor = new BatchExecutor(new ExecutionOptions { MaxConcurrency = 5, Timeout = TimeSpan.FromSeconds(2) });
BatchResult first = await executor.ExecuteAsync(command, targets);
foreach (TargetOutcome o in first.Outcomes)
{
    Console.WriteLine($"{o.Target,-9} {o.State.ToWireName(),-9} exit {o.ExitCode?.ToString() ?? "-",-2} {o.Stdout.Text.Trim()}{o.Error}");
}

// Retry exactly what failed: the outcomes carry their targets.
string marker = Path.Combine(Path.GetTempPath(), $"fanout-sample-{Environment.ProcessId}");
await File.WriteAllTextAsync(marker, "ok");
try
{
    BatchResult retry = await executor.ExecuteAsync(command, first.FailedTargets);
    Console.WriteLine($"retried {retry.Total}: {string.Join(", ", retry.Outcomes.Select(o => $"{o.Target} {o.State.ToWireName()} '{o.Stdout.Text.Trim()}'"))}");
    return first.Successes.Count == 4 && first.Count(TargetState.TimedOut) == 1 && retry.AllSucceeded && retry.Total == 1 ? 0 : 1;
}
finally
{
    File.Delete(marker);
}
