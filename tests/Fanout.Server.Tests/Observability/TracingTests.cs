using System.Collections.Concurrent;
using System.Diagnostics;

namespace Fanout.Server.Tests.Observability;

/// <summary>SPEC A6: each batch run is a <c>batch</c> span of the <c>Fanout.Server</c> source (exported when OTLP is configured).</summary>
public sealed class TracingTests
{
    [Fact(Timeout = 60000)]
    public async Task BatchRun_EmitsBatchSpanWithIdAndStatus()
    {
        var stopped = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Fanout.Server",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Add,
        };
        ActivitySource.AddActivityListener(listener);
        await using ServerHost host = await ServerHost.StartAsync(bigTargets: 1);

        string id = await host.CreateBatchAsync(new { targetNodeIds = new[] { "t01" }, action = new { type = "command", value = "true" } });
        await host.WaitFinishedAsync(id);

        Activity span = Assert.Single(stopped, a => a.OperationName == "batch" && (string?)a.GetTagItem("fanout.batch_id") == id);
        Assert.Equal("succeeded", span.GetTagItem("fanout.status"));
        Assert.Equal(1, span.GetTagItem("fanout.targets"));
    }
}
