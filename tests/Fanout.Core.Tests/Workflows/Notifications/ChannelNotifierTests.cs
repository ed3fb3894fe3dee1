using System.Text.Json;
using Fanout.Configuration;
using Fanout.Core.Tests.Support;
using Fanout.Workflows.Notifications;
using Microsoft.Extensions.Time.Testing;

namespace Fanout.Core.Tests.Workflows.Notifications;

public sealed class ChannelNotifierTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-notify-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static WorkflowNotification Sample(string @event = "failed") => new()
    {
        Event = @event,
        Workflow = "deploy",
        RunId = "run-42",
        Step = "migrate",
        Message = "step 'migrate' failed",
        Timestamp = new DateTimeOffset(2026, 11, 25, 10, 30, 0, TimeSpan.Zero),
        Figures = new Dictionary<string, object?> { ["failed_steps"] = 1, ["duration"] = 12.5, ["services"] = new[] { "api", "worker" } },
    };

    private FanoutConfig Config(string yaml, Dictionary<string, string>? env = null)
    {
        var result = FanoutConfigLoader.Parse(yaml, Path.Combine(_dir, "config.yaml"), n => env?.GetValueOrDefault(n), _dir);
        Assert.False(result.HasErrors, string.Join('\n', result.Diagnostics));
        return result.Config;
    }

    [Fact(Timeout = 30000)]
    public async Task NotifyAsync_Webhook_PostsJsonBodyWithHeadersAndMasksSecretsInLogs()
    {
        using var server = new TinyHttpServer();
        var config = Config($$"""
            notifications:
              channels:
                slack:
                  url: {{server.Url("/services/T000/SECRETPATH")}}
                  headers: {X-Api-Key: "${HOOK_TOKEN}", X-Team: ops}
            """, new() { ["HOOK_TOKEN"] = "tok-s3cr3t" });
        var logger = new ListLogger();
        using var notifier = new ChannelNotifier(config, logger: logger);

        await notifier.NotifyAsync(Sample(), ["slack"], CancellationToken.None);

        var request = await server.Requests.Reader.ReadAsync();
        Assert.Equal("POST /services/T000/SECRETPATH HTTP/1.1", request.RequestLine);
        Assert.StartsWith("application/json", request.Headers["Content-Type"], StringComparison.Ordinal);
        Assert.Equal("tok-s3cr3t", request.Headers["X-Api-Key"]);
        Assert.Equal("ops", request.Headers["X-Team"]);
        using var body = JsonDocument.Parse(request.Body);
        var root = body.RootElement;
        Assert.Equal("failed", root.GetProperty("event").GetString());
        Assert.Equal("deploy", root.GetProperty("workflow").GetString());
        Assert.Equal("run-42", root.GetProperty("runId").GetString());
        Assert.Equal("migrate", root.GetProperty("step").GetString());
        Assert.Equal("step 'migrate' failed", root.GetProperty("message").GetString());
        Assert.Equal("2026-11-25T10:30:00.000Z", root.GetProperty("timestamp").GetString());
        Assert.Equal(1, root.GetProperty("figures").GetProperty("failed_steps").GetInt32());
        Assert.Equal(12.5, root.GetProperty("figures").GetProperty("duration").GetDouble());
        Assert.Equal("worker", root.GetProperty("figures").GetProperty("services")[1].GetString());

        var delivery = Assert.Single(notifier.Deliveries);
        Assert.True(delivery.Success, delivery.Error);
        Assert.Equal("slack", delivery.Channel);
        var log = Assert.Single(logger.Messages);
        Assert.Contains("slack", log, StringComparison.Ordinal);
        Assert.DoesNotContain("tok-s3cr3t", log, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRETPATH", log, StringComparison.Ordinal);
        Assert.Equal("***", config.Channels["slack"].MaskedHeaders()["X-Api-Key"]);
        Assert.Equal("ops", config.Channels["slack"].MaskedHeaders()["X-Team"]);
    }

    [Fact(Timeout = 30000)]
    public async Task NotifyAsync_WebhookAnswers500_RecordsFailureWithoutThrowing()
    {
        using var server = new TinyHttpServer(status: 500);
        var logger = new ListLogger();
        using var notifier = new ChannelNotifier(Config($"notifications: {{channels: {{hook: {{type: webhook, url: '{server.Url()}'}}}}}}"), logger: logger);

        await notifier.NotifyAsync(Sample(), ["hook"], CancellationToken.None);

        var delivery = Assert.Single(notifier.Deliveries);
        Assert.False(delivery.Success);
        Assert.StartsWith("HTTP 500", delivery.Error, StringComparison.Ordinal);
        Assert.Contains(logger.Messages, m => m.StartsWith("Warning:", StringComparison.Ordinal) && m.Contains("HTTP 500", StringComparison.Ordinal));
    }

    [Fact(Timeout = 30000)]
    public async Task NotifyAsync_WebhookNeverAnswers_TimesOutByTheTimeProvider()
    {
        using var server = new TinyHttpServer(answer: false);
        var time = new FakeTimeProvider();
        using var notifier = new ChannelNotifier(Config($"notifications: {{channels: {{hook: {{url: '{server.Url()}', timeout: 5s}}}}}}"), time);

        var sending = notifier.SendAsync(Sample(), ["hook"], CancellationToken.None);
        _ = await server.Requests.Reader.ReadAsync();
        time.Advance(TimeSpan.FromSeconds(6));
        var deliveries = await sending;

        Assert.False(deliveries[0].Success);
        Assert.Equal("timed out after 5s", deliveries[0].Error);
    }

    [Fact(Timeout = 30000)]
    public async Task NotifyAsync_NothingListening_RecordsConnectionFailure()
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }

        using var notifier = new ChannelNotifier(Config($"notifications: {{channels: {{hook: {{url: 'http://127.0.0.1:{port}/x'}}}}}}"));

        var deliveries = await notifier.SendAsync(Sample(), ["hook"], CancellationToken.None);

        Assert.False(deliveries[0].Success);
        Assert.False(string.IsNullOrEmpty(deliveries[0].Error));
    }

    [Fact(Timeout = 30000)]
    public async Task NotifyAsync_CommandChannel_GetsJsonOnStdinAndEnvironment()
    {
        var json = Path.Combine(_dir, "notification.json");
        var env = Path.Combine(_dir, "env.txt");
        using var notifier = new ChannelNotifier(Config($$"""
            notifications:
              channels:
                email:
                  type: command
                  command: cat > '{{json}}'; printf '%s|%s|%s|%s|%s' "$FANOUT_EVENT" "$FANOUT_WORKFLOW" "$FANOUT_RUN_ID" "$FANOUT_STEP" "$FANOUT_CHANNEL" > '{{env}}'
            """));

        await notifier.NotifyAsync(Sample("requires_approval"), ["email"], CancellationToken.None);

        Assert.True(Assert.Single(notifier.Deliveries).Success);
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        Assert.Equal("requires_approval", doc.RootElement.GetProperty("event").GetString());
        Assert.Equal("run-42", doc.RootElement.GetProperty("runId").GetString());
        Assert.Equal("requires_approval|deploy|run-42|migrate|email", await File.ReadAllTextAsync(env));
    }

    [Fact(Timeout = 30000)]
    public async Task NotifyAsync_CommandFails_RecordsExitCodeAndStderr()
    {
        using var notifier = new ChannelNotifier(Config("notifications: {channels: {ops: {command: 'echo mail server down >&2; exit 3'}}}"));

        var deliveries = await notifier.SendAsync(Sample(), ["ops"], CancellationToken.None);

        Assert.Equal("command exited with code 3: mail server down", deliveries[0].Error);
    }

    [Fact(Timeout = 30000)]
    public async Task NotifyAsync_UnconfiguredChannel_RecordedAndOthersStillSent()
    {
        var marker = Path.Combine(_dir, "sent");
        using var notifier = new ChannelNotifier(Config($"notifications: {{channels: {{ops: {{command: 'touch {marker}'}}}}}}"));

        var deliveries = await notifier.SendAsync(Sample(), ["pagerduty", "ops"], CancellationToken.None);

        Assert.Equal("channel 'pagerduty' is not configured in the Fanout config (notifications.channels)", deliveries[0].Error);
        Assert.True(deliveries[1].Success);
        Assert.True(File.Exists(marker));
    }

    [Fact(Timeout = 30000)]
    public async Task NotifyAsync_Cancelled_Throws()
    {
        using var notifier = new ChannelNotifier(Config("notifications: {channels: {ops: {command: 'sleep 30'}}}"));
        using var cts = new CancellationTokenSource();
        var sending = notifier.NotifyAsync(Sample(), ["ops"], cts.Token);

        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
    }

    [Fact(Timeout = 30000)]
    public async Task NullNotifier_CompletesAndHonoursCancellation()
    {
        await NullNotifier.Instance.NotifyAsync(Sample(), ["slack"], CancellationToken.None);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => NullNotifier.Instance.NotifyAsync(Sample(), ["slack"], new CancellationToken(canceled: true)));
    }
}
