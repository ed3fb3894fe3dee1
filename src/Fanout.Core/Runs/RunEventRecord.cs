namespace Fanout.Runs;

/// <summary>One stored event of a run: its sequence number, type name and JSON payload.</summary>
/// <param name="RunId">The run id.</param>
/// <param name="Sequence">The sequence number, increasing within the run (continues across resumes).</param>
/// <param name="Type">The event type, e.g. <c>TargetFinished</c>.</param>
/// <param name="Timestamp">When it happened.</param>
/// <param name="Payload">The event as JSON.</param>
public sealed record RunEventRecord(string RunId, long Sequence, string Type, DateTimeOffset Timestamp, string Payload);
