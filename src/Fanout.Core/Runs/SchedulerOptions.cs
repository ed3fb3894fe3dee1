namespace Fanout.Runs;

/// <summary>Options of the <see cref="Scheduler"/>.</summary>
public sealed class SchedulerOptions
{
    /// <summary>How often schedules are re-read from the store (to see ones added or cancelled by other processes). The default value is 5 s.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);
}
