using Fanout.Inventory;
using Fanout.Operations;

namespace HealthCheck;

/// <summary>
/// A custom operation (SPEC C1): validates the target, then "probes" it. A real one would call
/// the target over HTTP; this one reads a simulated status from the target's vars.
/// </summary>
internal sealed class HealthCheckOperation : IOperation
{
    public string Name => "health-check";

    public string? Validate(Target target)
        => target.Vars.ContainsKey("status") ? null : "the target has no 'status' var to probe";

    public async Task<OperationResult> ExecuteAsync(Target target, OperationContext context, CancellationToken cancellationToken)
    {
        // Time comes from the context so that tests can use a fake clock.
        long started = context.TimeProvider.GetTimestamp();
        await Task.Delay(TimeSpan.FromMilliseconds(5), context.TimeProvider, cancellationToken);
        int status = Convert.ToInt32(target.Vars["status"], System.Globalization.CultureInfo.InvariantCulture);
        var data = new Dictionary<string, object?>
        {
            ["status"] = status,
            ["latencyMs"] = context.TimeProvider.GetElapsedTime(started).TotalMilliseconds,
        };
        return status is >= 200 and < 300
            ? new OperationResult { Success = true, Data = data }
            : new OperationResult { Success = false, Error = $"unhealthy: HTTP {status}", Data = data };
    }
}
