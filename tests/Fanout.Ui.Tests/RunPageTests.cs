using System.Diagnostics;
using System.Text.RegularExpressions;
using System.Text.Json;
using Fanout.Security;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Fanout.Ui.Tests;

/// <summary>The new-execution dialog and the run page, in Chromium against the real server (SPEC U2–U4).</summary>
[Collection("ui")]
public sealed class RunPageTests(UiFixture ui)
{
    [Fact]
    public async Task NewExecution_OverAGroupAndASearch_CountsDeduplicated_AndBatchesOf10Over25GoCompleteRunningPendingInOrder()
    {
        IPage page = await ui.SignedInPageAsync(ApiRole.Operator);
        await page.GetByRole(AriaRole.Button, new() { Name = "New execution" }).ClickAsync();
        ILocator dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "New execution" });
        await Expect(dialog).ToBeVisibleAsync();
        ILocator count = dialog.Locator("#target-count");
        ILocator run = dialog.GetByRole(AriaRole.Button, new() { Name = "Run", Exact = true });
        await Expect(run).ToBeDisabledAsync();

        await dialog.GetByRole(AriaRole.Checkbox, new() { Name = "big" }).CheckAsync();
        await Expect(count).ToHaveTextAsync("25 targets selected");
        await dialog.GetByRole(AriaRole.Searchbox, new() { Name = "Search targets" }).FillAsync("t0");
        await Expect(dialog.GetByRole(AriaRole.Checkbox, new() { Name = "n0001" })).ToHaveCountAsync(0);
        await Expect(dialog.GetByRole(AriaRole.Checkbox, new() { Name = "t05" })).ToBeVisibleAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Select all" }).ClickAsync();
        await Expect(count).ToHaveTextAsync("30 targets selected");
        // web = t01–t03, already selected through the search: the count stays deduplicated.
        await dialog.GetByRole(AriaRole.Checkbox, new() { Name = "web" }).CheckAsync();
        await Expect(count).ToHaveTextAsync("30 targets selected");
        await dialog.GetByRole(AriaRole.Checkbox, new() { Name = "t01" }).UncheckAsync();
        await Expect(count).ToHaveTextAsync("30 targets selected");
        await dialog.GetByRole(AriaRole.Checkbox, new() { Name = "t04" }).UncheckAsync();
        await Expect(count).ToHaveTextAsync("29 targets selected");

        await dialog.GetByRole(AriaRole.Button, new() { Name = "Clear" }).ClickAsync();
        await Expect(count).ToHaveTextAsync("0 targets selected");
        await dialog.GetByRole(AriaRole.Checkbox, new() { Name = "big" }).CheckAsync();
        await Expect(run).ToBeDisabledAsync(); // no command yet
        await dialog.GetByRole(AriaRole.Combobox, new() { Name = "Action type" }).SelectOptionAsync("command");
        await dialog.GetByRole(AriaRole.Textbox, new() { Name = "Command" }).FillAsync("sleep 2");
        await dialog.GetByRole(AriaRole.Spinbutton, new() { Name = "Parallel" }).FillAsync("10");
        await Expect(dialog.GetByRole(AriaRole.Combobox, new() { Name = "Batch size" })).ToHaveValueAsync("10");
        await Expect(dialog.Locator("#estimated-batches")).ToHaveTextAsync("Estimated batches: 3");
        await dialog.GetByRole(AriaRole.Combobox, new() { Name = "Batch size" }).SelectOptionAsync("5");
        await Expect(dialog.Locator("#estimated-batches")).ToHaveTextAsync("Estimated batches: 5");
        await dialog.GetByRole(AriaRole.Combobox, new() { Name = "Batch size" }).SelectOptionAsync("10");
        await UiFixture.AssertAccessibleAsync(page);
        await UiFixture.ScreenshotAsync(page, "new-execution");
        await Expect(run).ToBeEnabledAsync();
        await ui.RunAndExpectCreatedAsync(page, () => run.ClickAsync(), "/api/executions/batch");
        await ui.WaitForRunPageAsync(page);
        await Expect(page.GetByRole(AriaRole.Progressbar, new() { Name = "Progress" })).ToBeVisibleAsync();
        // The three batches, observed in order: complete / running / pending at one moment.
        await page.WaitForFunctionAsync(@"() => {
            const w = [...document.querySelectorAll('#wave-list li')].map(li => li.textContent);
            return w.length === 3 && w[0].includes('Batch 1: complete (10)') && w[1].includes('Batch 2: running (10)') && w[2].includes('Batch 3: pending (5)');
        }", null, new() { Timeout = 60_000, PollingInterval = 50 });
        await Expect(page.Locator("#wave-heading")).ToContainTextAsync("batch 2 of 3");
        await UiFixture.ScreenshotAsync(page, "run-page-running");
        await Expect(page.Locator("#summary")).ToContainTextAsync("All 25 targets succeeded", new() { Timeout = 60_000 });
        await Expect(page.GetByRole(AriaRole.Progressbar, new() { Name = "Progress" })).ToHaveAttributeAsync("aria-valuenow", "100");
        await Expect(page.Locator("#wave-list li")).ToHaveTextAsync([WaveLine("✅ Batch 1: complete (10)"), WaveLine("✅ Batch 2: complete (10)"), WaveLine("✅ Batch 3: complete (5)")]);
        ILocator targets = page.GetByRole(AriaRole.Table, new() { Name = "Targets" });
        await Expect(targets.GetByRole(AriaRole.Button, new() { Name = "n0000" })).ToBeVisibleAsync();
        await UiFixture.AssertAccessibleAsync(page);
        await UiFixture.ScreenshotAsync(page, "run-page");
        await page.Context.CloseAsync();
    }

    /// <summary>A finished batch's line: state and count, its start and duration, its two exports.</summary>
    private static Regex WaveLine(string head) => new($"^{Regex.Escape(head)} · started \\d\\d:\\d\\d:\\d\\d UTC · [\\d.]+ s CSV JSON$");

    [Fact]
    public async Task EachBatchShowsItsStartAndDuration_AndItsResultsDownloadAlone()
    {
        // Seed 002: per-batch start, end and duration, and each batch's results saved on their own.
        IPage page = await ui.SignedInPageAsync(ApiRole.Viewer);
        string id = await ui.Server.CreateBatchAsync(new
        {
            targetNodeIds = new[] { "t01", "t02", "t03", "t04" },
            action = new { type = "command", value = "sleep 4; echo done-$FANOUT_TARGET" },
            options = new { parallel = 2, batchSize = 2 },
        });
        await page.GotoAsync("/runs/" + id);
        // Live: the running batch shows when it started and how long it has run; the pending one neither, nor exports.
        ILocator batch1 = page.Locator("#wave-list li[data-wave='1']");
        ILocator batch2 = page.Locator("#wave-list li[data-wave='2']");
        await Expect(batch1).ToHaveTextAsync(new Regex(@"^🔄 Batch 1: running \(2\) · started \d\d:\d\d:\d\d UTC · [\d.]+ s CSV JSON$"), new() { Timeout = 30_000 });
        await Expect(batch2).ToHaveTextAsync("⏳ Batch 2: pending (2)");
        await Expect(page.Locator("#summary")).ToContainTextAsync("All 4 targets succeeded", new() { Timeout = 60_000 });

        // Ended: each line says its start (as the status document's wave startedAt, UTC) and duration (at least the sleep).
        JsonElement status = await ui.Server.GetJsonAsync($"/api/executions/batch/{id}");
        foreach (JsonElement w in status.GetProperty("waves").EnumerateArray())
        {
            int n = w.GetProperty("wave").GetInt32();
            string clock = w.GetProperty("startedAt").GetDateTimeOffset().UtcDateTime.ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
            string text = await page.Locator($"#wave-list li[data-wave='{n}'] .wave-time").TextContentAsync() ?? "";
            Match m = Regex.Match(text, @"^ · started (\d\d:\d\d:\d\d) UTC · ([\d.]+) s$");
            Assert.True(m.Success, text);
            Assert.Equal(clock, m.Groups[1].Value);
            double shown = double.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(shown, 4, 60);
            Assert.Equal(w.GetProperty("durationMs").GetDouble() / 1000, shown, 0.11);
        }

        // Batch 2's CSV: the run's export with only batch 2's targets.
        IDownload download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Export batch 2 CSV" }).ClickAsync());
        Assert.Equal($"{id}-batch-2.csv", download.SuggestedFilename);
        string[] lines = (await File.ReadAllTextAsync(await download.PathAsync())).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        using HttpClient client = ui.Server.Client(ApiRole.Viewer);
        string[] all = (await client.GetStringAsync($"/api/runs/{id}/export?format=csv")).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([all[0], .. all.Where(l => l.StartsWith("t03,", StringComparison.Ordinal) || l.StartsWith("t04,", StringComparison.Ordinal))], lines);
        Assert.Contains(lines, l => l.Contains("done-t03", StringComparison.Ordinal));
        await UiFixture.AssertAccessibleAsync(page);
        await UiFixture.ScreenshotAsync(page, "run-page-batches");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task CancelRun_StopsTheRunningTargets_AndTheSummaryWarns()
    {
        string id = await ui.Server.CreateBatchAsync(new { targetGroupIds = new[] { "big" }, action = new { type = "command", value = "sleep 30" }, options = new { parallel = 5 } });
        IPage page = await ui.SignedInPageAsync(ApiRole.Operator);
        await page.GotoAsync("/runs/" + id);
        await Expect(page.Locator("[data-count=running]")).ToHaveTextAsync("5", new() { Timeout = 30_000 });
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel run" }).ClickAsync();
        await Expect(page.Locator("#summary")).ToContainTextAsync("not succeeded", new() { Timeout = 45_000 });
        await Expect(page.Locator("#run-state")).ToContainTextAsync("cancelled");
        JsonElement status = await ui.Server.WaitFinishedAsync(id);
        Assert.Equal("cancelled", status.GetProperty("status").GetString());
        Assert.Equal(0, status.GetProperty("counts").GetProperty("succeeded").GetInt32());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task StopAfterThisBatch_FinishesTheRunningBatch_AndRunsNoOther()
    {
        string id = await ui.Server.CreateBatchAsync(new
        {
            targetNodeIds = new[] { "t01", "t02", "t03", "t04", "t05" },
            action = new { type = "command", value = "sleep 4" },
            options = new { parallel = 2, batchSize = 2 },
        });
        IPage page = await ui.SignedInPageAsync(ApiRole.Operator);
        await page.GotoAsync("/runs/" + id);
        ILocator running = page.Locator("#wave-list li.wave-running");
        await Expect(running).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        int wave = int.Parse(await running.GetAttributeAsync("data-wave") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        await page.GetByRole(AriaRole.Button, new() { Name = "Stop after this batch" }).ClickAsync();
        await Expect(page.Locator("#action-result")).ToContainTextAsync("stops when the current batch ends");
        await Expect(page.Locator("#summary")).ToContainTextAsync("not succeeded", new() { Timeout = 45_000 });
        JsonElement status = await ui.Server.WaitFinishedAsync(id);
        JsonElement[] waves = [.. status.GetProperty("waves").EnumerateArray()];
        // The batch that was running when the stop took effect (the one seen, or a later one on a slow machine) completed; no later batch ran.
        int completed = waves.TakeWhile(w => w.GetProperty("state").GetString() == "complete").Count();
        Assert.InRange(completed, wave, 2);
        Assert.All(waves.Skip(completed), w => Assert.Equal(0, w.GetProperty("succeeded").GetInt32() + w.GetProperty("failed").GetInt32()));
        Assert.Equal(2 * completed, status.GetProperty("counts").GetProperty("succeeded").GetInt32());
        await Expect(page.Locator($"#wave-list li[data-wave='{completed}']")).ToContainTextAsync("complete (2)");
        await Expect(page.Locator("[data-count=succeeded]")).ToHaveTextAsync((2 * completed).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AFailedTargetsStderrOpensFromItsRow_AndExportsAreTheDocumentsOfFanoutExport()
    {
        string id = await ui.Server.CreateBatchAsync(new
        {
            targetNodeIds = new[] { "t01", "t02", "t03" },
            action = new { type = "command", value = "if [ \"$FANOUT_TARGET\" = t02 ]; then echo boom-$FANOUT_TARGET >&2; exit 3; fi; echo fine" },
        });
        await ui.Server.WaitFinishedAsync(id);
        IPage page = await ui.SignedInPageAsync(ApiRole.Viewer);
        await page.GotoAsync("/runs/" + id);
        await Expect(page.Locator("#summary")).ToContainTextAsync("1 target not succeeded (1 failed");
        await page.GetByRole(AriaRole.Combobox, new() { Name = "State" }).SelectOptionAsync("failed");
        ILocator targets = page.GetByRole(AriaRole.Table, new() { Name = "Targets" });
        await Expect(targets.GetByRole(AriaRole.Button)).ToHaveCountAsync(1);
        await Expect(targets.Locator("tbody tr:not(.spacer)")).ToContainTextAsync("boom-t02");
        await targets.GetByRole(AriaRole.Button, new() { Name = "t02" }).ClickAsync();
        ILocator output = page.GetByRole(AriaRole.Dialog, new() { Name = "Output of t02" });
        await Expect(output).ToBeVisibleAsync();
        await Expect(output.GetByLabel("stderr")).ToContainTextAsync("boom-t02");
        await Expect(output).ToContainTextAsync("exit code 3");
        await UiFixture.AssertAccessibleAsync(page);
        await UiFixture.ScreenshotAsync(page, "target-output");
        await page.Keyboard.PressAsync("Escape");
        await Expect(output).ToBeHiddenAsync();

        foreach (string format in new[] { "csv", "json" })
        {
            IDownload download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Export " + format.ToUpperInvariant() }).ClickAsync());
            string downloaded = await File.ReadAllTextAsync(await download.PathAsync());
            string cli = await FanoutExportAsync(id, format);
            // The same document. Until issue 9 gives the CLI and the server one CSV/JSON writer, the API's CSV ends lines with
            // CRLF and rounds durations to 3 decimals where the CLI rounds to 1: compare modulo those two.
            if (format == "csv")
            {
                Assert.Equal(Normalize(cli), Normalize(downloaded));
            }
            else
            {
                // Until issue 9's one document, the run-level fields of the two JSON documents differ (the API adds kind and
                // status, the CLI has waveCount); the per-target results must be the same.
                AssertContains(System.Text.Json.Nodes.JsonNode.Parse(cli)!["targets"]!, System.Text.Json.Nodes.JsonNode.Parse(downloaded)!["targets"], "$.targets");
                Assert.Equal(id, System.Text.Json.Nodes.JsonNode.Parse(downloaded)!["runId"]!.GetValue<string>());
            }
            Assert.Contains("t02", downloaded, StringComparison.Ordinal);
        }

        await page.Context.CloseAsync();
    }

    private static void AssertContains(System.Text.Json.Nodes.JsonNode expected, System.Text.Json.Nodes.JsonNode? actual, string path)
    {
        switch (expected)
        {
            case System.Text.Json.Nodes.JsonObject o:
                foreach ((string key, System.Text.Json.Nodes.JsonNode? value) in o)
                {
                    Assert.True(actual is System.Text.Json.Nodes.JsonObject a && a.ContainsKey(key), $"{path}.{key} missing from the downloaded export");
                    if (value is not null)
                    {
                        AssertContains(value, actual![key], $"{path}.{key}");
                    }
                }

                break;
            case System.Text.Json.Nodes.JsonArray list:
                Assert.True(actual is System.Text.Json.Nodes.JsonArray b && b.Count == list.Count, $"{path}: array lengths differ");
                for (int i = 0; i < list.Count; i++)
                {
                    if (list[i] is { } item)
                    {
                        AssertContains(item, actual![i], $"{path}[{i}]");
                    }
                }

                break;
            default:
                Assert.Equal(Normalize(expected.ToJsonString()), Normalize(actual?.ToJsonString() ?? "null"));
                break;
        }
    }

    private static string Normalize(string document) =>
        System.Text.RegularExpressions.Regex.Replace(document.ReplaceLineEndings("\n").TrimEnd(), @"(?<![\w.:+-])\d+\.\d+(?![\w.:])",
            m => Math.Round(double.Parse(m.Value, System.Globalization.CultureInfo.InvariantCulture), 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
            System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(5));

    /// <summary><c>fanout export ID --format F</c> through the real executable on the server's store.</summary>
    private async Task<string> FanoutExportAsync(string id, string format)
    {
        string cli = Path.Combine(RepoRoot(), "src", "Fanout.Cli", "bin", "Release", "net10.0", "fanout.dll");
        Assert.True(File.Exists(cli), $"build the CLI first: {cli}");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { cli, "export", id, "--format", format, "--store", Path.Combine(ui.Server.Directory, "fanout.db") })
        {
            start.ArgumentList.Add(a);
        }

        using Process p = Process.Start(start)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, stderr);
        return await stdout;
    }

    private static string RepoRoot()
    {
        string dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Fanout.slnx")))
        {
            dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("no Fanout.slnx above " + AppContext.BaseDirectory);
        }

        return dir;
    }
}
