using Fanout.Runs;
using Fanout.Workflows.Engine;
using Fanout.Workflows.Notifications;
using static Fanout.Core.Tests.Workflows.Engine.EngineHarness;

namespace Fanout.Core.Tests.Workflows.Engine;

public sealed class MonitoringTests
{
    private sealed class RecordingNotifier : INotifier
    {
        public List<(WorkflowNotification Notification, IReadOnlyList<string> Channels)> Sent { get; } = [];

        public Task NotifyAsync(WorkflowNotification notification, IReadOnlyList<string> channels, CancellationToken cancellationToken)
        {
            lock (Sent)
            {
                Sent.Add((notification, channels));
            }

            return Task.CompletedTask;
        }
    }

    [Fact(Timeout = 20000)]
    public async Task RunAsync_ListedEvents_AreSentToTheChannelsAndAlertsAnnotateTheRun()
    {
        var notifier = new RecordingNotifier();
        var store = new MemoryWorkflowStore();
        WorkflowRunResult result = await RunAsync("""
            name: watched
            error_handling: {strategy: continue_on_error}
            notifications: {channels: [ops], events: [started, failed]}
            steps:
              - {name: ok, command: echo ok, metrics: {track_duration: true, track_success: true, custom_labels: {team: "{{ .team }}"}}}
              - {name: broken, command: fail}
            metrics:
              collectors: [duration, success_rate]
              custom_metrics:
                - {name: steps_ok, type: gauge, value: ".succeeded_steps"}
            monitoring:
              alerts:
                - {condition: "failed_steps > 0", severity: critical, message: "{{ .failed_steps }} step(s) failed"}
                - {condition: "deployment_duration > 1800", severity: warning}
            """, new ScriptedExecutor(), new WorkflowRunnerOptions { Notifier = notifier, Store = store }, new Dictionary<string, object?> { ["team"] = "platform" });

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal(["started", "alert", "failed"], notifier.Sent.Select(s => s.Notification.Event));
        Assert.All(notifier.Sent, s => Assert.Equal(["ops"], s.Channels));
        Assert.Equal(["critical: 1 step(s) failed"], result.Alerts);
        Assert.Contains(store.Annotations, a => a.Kind == "alert" && a.Severity == "critical" && a.Message == "1 step(s) failed");
        Assert.Equal(1L, result.Figures["failed_steps"]);
        Assert.Equal(50.0, result.Figures["success_rate"]);
        Assert.Contains(store.Metrics, m => m.Name == "fanout_workflow_step_success" && m.Labels == "step=ok,team=platform,workflow=watched" && m.Value == 1);
        Assert.Contains(store.Metrics, m => m.Name == "fanout_workflow_step_duration_seconds" && m.Labels.StartsWith("step=ok,", StringComparison.Ordinal));
        Assert.Contains(store.Metrics, m => m.Name == "steps_ok" && m.Value == 1);
        Assert.Contains(store.Metrics, m => m.Name == "fanout_workflow_success_rate" && m.Value == 50);
    }

    [Fact(Timeout = 20000)]
    public async Task RunAsync_ApprovalStep_SendsRequiresApproval()
    {
        var notifier = new RecordingNotifier();
        WorkflowRunResult result = await RunAsync("""
            name: gated
            notifications: {channels: [ops], events: [requires_approval, completed]}
            steps: [{name: gate, manual_approval: true}]
            """, new ScriptedExecutor(), new WorkflowRunnerOptions { Notifier = notifier, ApprovalPrompt = (_, _) => Task.FromResult<bool?>(true) });

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal(["requires_approval", "completed"], notifier.Sent.Select(s => s.Notification.Event));
        Assert.Equal("gate", notifier.Sent[0].Notification.Step);
    }
}
