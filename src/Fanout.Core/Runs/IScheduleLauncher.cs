namespace Fanout.Runs;

/// <summary>Starts the run a schedule stands for; implemented by the application (the CLI's <c>serve</c>, the server).</summary>
public interface IScheduleLauncher
{
    /// <summary>
    /// Runs <paramref name="schedule"/> once and returns when the run has ended. <paramref name="started"/> is called with
    /// the run id as soon as the run is recorded. Expected failures (an invalid definition, a missing workflow engine)
    /// are returned as <see cref="ScheduleLaunchResult"/> with an error, not thrown.
    /// </summary>
    Task<ScheduleLaunchResult> LaunchAsync(ScheduleRecord schedule, Action<string> started, CancellationToken cancellationToken);
}
