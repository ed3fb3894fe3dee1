using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fanout.Runs;

namespace Fanout.Storage.Tests.Cli;

/// <summary>
/// <c>POST /api/runs/{id}/resume</c> and <c>/retry</c> of a real <c>fanout serve</c> take what <c>fanout resume</c> / <c>fanout retry</c>
/// take (issue 9): secret parameters given inline to a workflow run, given again (without them 409 naming them and nothing runs; with
/// them the command sees the real value), and the option overrides (parallel, timeout, overall timeout, retries, retry delay, fail-fast,
/// stdin), honoured and recorded; an override that makes no sense for the run's kind is 400 naming the field.
/// </summary>
public sealed class ApiContinueTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-apicontinue-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Store => Path.Combine(_dir, "store.db");

    private string Marker => Path.Combine(_dir, "marker");

    /// <summary>The gate step fails on its first run (then passes); the use step prints the secret upper-cased (so the mask cannot hide it).</summary>
    private string WriteWorkflow()
    {
        string workflows = Directory.CreateDirectory(Path.Combine(_dir, "workflows")).FullName;
        File.WriteAllText(Path.Combine(workflows, "secrets.yaml"), $$$"""
            name: secrets
            parameters:
              - {name: token, secret: true, required: true}
            steps:
              - {name: gate, command: "if [ -f {{{Marker}}} ]; then echo open; else touch {{{Marker}}}; exit 3; fi"}
              - {name: use, command: "printf '%s' {{ .token }} | tr a-z A-Z"}
            """);
        return workflows;
    }

    [Theory(Timeout = 240000)]
    [InlineData("resume")]
    [InlineData("retry")]
    public async Task Continue_WorkflowWithInlineSecret_409NamingItWithout_WithItTheCommandSeesTheRealValue(string action)
    {
        string workflows = WriteWorkflow();
        string token = await ServeProcess.CreateTokenAsync(_dir, Store);
        await using ServeProcess serve = await ServeProcess.StartAsync(_dir, Store, token, "--workflows-dir", workflows);

        using HttpResponseMessage started = await serve.Client.PostAsJsonAsync("/api/workflows/run", new { file = "secrets.yaml", parameters = new { token = "api-s3cret" } });
        string startedBody = await started.Content.ReadAsStringAsync();
        Assert.True(started.StatusCode == HttpStatusCode.Created, startedBody);
        string runId = JsonDocument.Parse(startedBody).RootElement.GetProperty("runId").GetString()!;
        Assert.Equal(RunStatus.Failed, (await WaitForEndAsync(runId)).Status);

        // Without the secret: 409 naming it, and nothing runs (the run keeps its status and attempts).
        using HttpResponseMessage refused = await serve.Client.PostAsync(new Uri($"/api/runs/{runId}/{action}", UriKind.Relative), null);
        string refusal = await refused.Content.ReadAsStringAsync();
        Assert.True(refused.StatusCode == HttpStatusCode.Conflict, $"{refused.StatusCode}: {refusal}");
        JsonElement problem = JsonDocument.Parse(refusal).RootElement;
        Assert.Contains("'token'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(["token"], problem.GetProperty("missingSecrets").EnumerateArray().Select(e => e.GetString()!).ToArray());
        int attemptsBefore = (await AttemptsAsync(runId)).Count;

        // An option a workflow run does not take is 400 naming the field; a wrong value too. Nothing runs.
        using HttpResponseMessage wrongKind = await serve.Client.PostAsJsonAsync($"/api/runs/{runId}/{action}", new { parameters = new { token = "api-s3cret" }, retries = 2 });
        using HttpResponseMessage wrongValue = await serve.Client.PostAsJsonAsync($"/api/runs/{runId}/{action}", new { parameters = new { token = "api-s3cret" }, parallel = 0, timeout = "soon" });
        Assert.Equal(HttpStatusCode.BadRequest, wrongKind.StatusCode);
        Assert.True(JsonDocument.Parse(await wrongKind.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty("retries", out _));
        Assert.Equal(HttpStatusCode.BadRequest, wrongValue.StatusCode);
        JsonElement errors = JsonDocument.Parse(await wrongValue.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty("parallel", out _) && errors.TryGetProperty("timeout", out _), errors.GetRawText());
        Assert.Equal(attemptsBefore, (await AttemptsAsync(runId)).Count);
        Assert.Equal(RunStatus.Failed, (await RunAsync(runId))!.Status);

        // With it (and the overrides a workflow run takes: steps at once, overall time limit), the command sees the real value.
        DateTimeOffset? endedBefore = (await RunAsync(runId))!.EndedAt;
        using HttpResponseMessage accepted = await serve.Client.PostAsJsonAsync($"/api/runs/{runId}/{action}", new { parameters = new { token = "api-s3cret" }, parallel = 3, timeout = "10m" });
        string acceptedBody = await accepted.Content.ReadAsStringAsync();
        Assert.True(accepted.StatusCode == (action == "resume" ? HttpStatusCode.Accepted : HttpStatusCode.Created), $"{accepted.StatusCode}: {acceptedBody}");
        string continued = JsonDocument.Parse(acceptedBody).RootElement.GetProperty("batchId").GetString()!;
        Assert.Equal(action == "resume", continued == runId);
        if (action == "resume")
        {
            // Accepted means visible: the run no longer reads as the end it resumes from, and a second resume meanwhile is refused.
            RunRecord now = (await RunAsync(runId))!;
            Assert.True(now.Status is RunStatus.Queued or RunStatus.Running || now.EndedAt != endedBefore, $"{now.Status} ended {now.EndedAt}");
            using HttpResponseMessage again = await serve.Client.PostAsJsonAsync($"/api/runs/{runId}/resume", new { parameters = new { token = "api-s3cret" } });
            Assert.True(again.StatusCode == HttpStatusCode.Conflict, $"{again.StatusCode}: {await again.Content.ReadAsStringAsync()}");
        }

        // A resume continues the same run in the background after the 202: wait for its new end, not the failed one before it.
        RunRecord run = await WaitForEndAsync(continued, action == "resume" ? endedBefore : null);
        Assert.Equal(RunStatus.Succeeded, run.Status);
        TargetAttemptRecord use = Assert.Single(await AttemptsAsync(continued), a => a.Target == "use" && a.Attempt > 0);
        Assert.Equal("API-S3CRET", StoredResults.ReadFull(use.Stdout, use.StdoutLog));
        // Still never stored, not even masked; a retry (a new run) records the overrides.
        Assert.DoesNotContain("api-s3cret", run.Operation!, StringComparison.Ordinal);
        Assert.DoesNotContain("***", run.Operation!, StringComparison.Ordinal);
        RecordedWorkflow recorded = RunDefinition.FromJson(run.Operation!).Workflow!;
        Assert.Equal(["token"], recorded.InlineSecrets);
        if (action == "retry")
        {
            Assert.Equal((3, "600000ms"), (recorded.Parallel, recorded.Timeout));
        }
    }

    /// <summary>
    /// An exec run fed <c>--stdin</c>: the API retry without stdin is 409 naming it (the input is not stored); with <c>stdin</c>, <c>parallel</c>,
    /// <c>timeout</c>, <c>retries</c> and <c>retryDelay</c> it runs the failed target with that input and records the overrides.
    /// </summary>
    [Fact(Timeout = 240000)]
    public async Task Retry_ExecRun_WithOptionOverridesAndStdin_HonoursAndRecordsThem()
    {
        string inventory = FanoutProcess.WriteInventory(_dir, 3);
        File.WriteAllText(Path.Combine(_dir, "block-t001"), string.Empty);
        string command = $"test ! -f {_dir}/block-$FANOUT_TARGET || exit 3; cat > {_dir}/in-$FANOUT_TARGET; echo done $FANOUT_TARGET";
        using (Process exec = FanoutProcess.Start(_dir, ["exec", command, "--stdin", "-i", inventory, "--all", "--yes", "-q", "--store", Store]))
        {
            await exec.StandardInput.WriteAsync("first\n");
            exec.StandardInput.Close();
            Task<string> stderr = exec.StandardError.ReadToEndAsync();
            await exec.StandardOutput.ReadToEndAsync();
            await exec.WaitForExitAsync();
            Assert.True(exec.ExitCode == 1, await stderr);
        }

        string firstId;
        await using (IRunStore store = await StoreFactory.OpenAsync(Store, CancellationToken.None))
        {
            firstId = Assert.Single(await store.QueryRunsAsync(new RunQuery(), CancellationToken.None)).RunId;
        }

        File.Delete(Path.Combine(_dir, "block-t001"));
        string token = await ServeProcess.CreateTokenAsync(_dir, Store);
        await using ServeProcess serve = await ServeProcess.StartAsync(_dir, Store, token, "-i", inventory);

        using HttpResponseMessage without = await serve.Client.PostAsync(new Uri($"/api/runs/{firstId}/retry?select=failed", UriKind.Relative), null);
        string withoutBody = await without.Content.ReadAsStringAsync();
        Assert.True(without.StatusCode == HttpStatusCode.Conflict, $"{without.StatusCode}: {withoutBody}");
        Assert.Contains("--stdin", withoutBody, StringComparison.Ordinal);
        using HttpResponseMessage wrong = await serve.Client.PostAsJsonAsync($"/api/runs/{firstId}/retry", new { parameters = new { a = "b" }, stdin = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.True(JsonDocument.Parse(await wrong.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty("parameters", out _));
        Assert.False(File.Exists(Path.Combine(_dir, "in-t001")));

        using HttpResponseMessage retried = await serve.Client.PostAsJsonAsync($"/api/runs/{firstId}/retry?select=failed",
            new { stdin = "again\n", parallel = 5, timeout = "10m", overallTimeout = 3600, retries = 1, retryDelay = "0s" });
        string body = await retried.Content.ReadAsStringAsync();
        Assert.True(retried.StatusCode == HttpStatusCode.Created, $"{retried.StatusCode}: {body}");
        string retryId = JsonDocument.Parse(body).RootElement.GetProperty("batchId").GetString()!;

        RunRecord retry = await WaitForEndAsync(retryId);
        Assert.Equal(RunStatus.Succeeded, retry.Status);
        Assert.Equal(firstId, retry.ParentRunId);
        Assert.Equal("again\n", File.ReadAllText(Path.Combine(_dir, "in-t001")));
        Assert.Equal("first\n", File.ReadAllText(Path.Combine(_dir, "in-t000"))); // not run again
        RunDefinition recorded = RunDefinition.FromJson(retry.Operation!);
        Assert.Equal((5, 600_000d, 3_600_000d, 1, 0d), (recorded.Options.Parallel, recorded.Options.TimeoutMs ?? 0, recorded.Options.OverallTimeoutMs ?? 0, recorded.Options.Retries, recorded.Options.RetryDelayMs));
        Assert.True(recorded.Stdin);
        Assert.Equal(["t001"], (await AttemptsAsync(retryId)).Where(a => a.Attempt > 0).Select(a => a.Target).ToArray());
    }

    private async Task<RunRecord?> RunAsync(string runId)
    {
        await using IRunStore store = await StoreFactory.OpenAsync(Store, CancellationToken.None);
        return await store.GetRunAsync(runId, CancellationToken.None);
    }

    private async Task<IReadOnlyList<TargetAttemptRecord>> AttemptsAsync(string runId)
    {
        await using IRunStore store = await StoreFactory.OpenAsync(Store, CancellationToken.None);
        return await store.GetAttemptsAsync(runId, new AttemptQuery(), CancellationToken.None);
    }

    private async Task<RunRecord> WaitForEndAsync(string runId, DateTimeOffset? notEndedAt = null)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        while (true)
        {
            if (await RunAsync(runId) is { Status: not (RunStatus.Running or RunStatus.Queued or RunStatus.AwaitingApproval), EndedAt: { } ended } run && ended != notEndedAt)
            {
                return run;
            }

            await Task.Delay(250, deadline.Token);
        }
    }
}
