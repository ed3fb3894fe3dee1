using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Fanout.Security;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Fanout.Ui.Tests;

/// <summary>The executions list is pushed (GET /api/executions/events), not re-read: new runs appear and progress moves without reload.</summary>
[Collection("ui")]
public sealed class ExecutionsPushTests(UiFixture ui)
{
    [Fact]
    public async Task ARunStartedThroughTheApi_AppearsAndProgressesOnAnOpenExecutionsPage_WithoutReloadOrListReads()
    {
        IPage page = await ui.SignedInPageAsync(ApiRole.Viewer);
        var listReads = new ConcurrentQueue<string>();
        var streams = new ConcurrentQueue<string>();
        var documents = new ConcurrentQueue<string>();
        page.Request += (_, r) =>
        {
            string path = new Uri(r.Url).AbsolutePath;
            if (path == "/api/executions")
            {
                listReads.Enqueue(r.Url);
            }
            else if (path == "/api/executions/events")
            {
                streams.Enqueue(r.Url);
            }
            else if (r.ResourceType == "document")
            {
                documents.Enqueue(r.Url);
            }
        };
        await page.GotoAsync("/executions");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Executions", Exact = true })).ToBeVisibleAsync();
        // The page reads the first page of the list once (what it renders from), and opens the stream once.
        for (int i = 0; i < 300 && (listReads.IsEmpty || streams.IsEmpty); i++)
        {
            await Task.Delay(100);
        }

        Assert.Single(listReads);
        Assert.Single(streams);
        int readsAtStart = listReads.Count;

        string batch = await ui.Server.CreateBatchAsync(new
        {
            targetNodeIds = new[] { "t01", "t02", "t03" },
            action = new { type = "command", value = "sleep 2" },
            options = new { parallel = 1 },
        });
        ILocator row = page.GetByRole(AriaRole.Table, new() { Name = "Executions" }).GetByRole(AriaRole.Row).Filter(new() { HasText = batch });
        await Expect(row).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Expect(row).ToContainTextAsync(new Regex("queued|running"));
        await Expect(row).ToContainTextAsync("/3 targets");
        // Progress moves: part-way (one or two of three done) while it runs, then all three and the final state.
        await Expect(row).ToContainTextAsync(new Regex("[12]/3 targets"), new() { Timeout = 60_000 });
        await Expect(row).ToContainTextAsync("3/3 targets", new() { Timeout = 60_000 });
        await Expect(row).ToContainTextAsync("succeeded", new() { Timeout = 60_000 });
        // The new row is the first one (newest first) and the count says so.
        await Expect(page.Locator("#exec-table tbody tr:not(.spacer)").First).ToContainTextAsync(batch);
        await Expect(page.Locator("#exec-summary")).ToHaveTextAsync(new Regex(@"^\d+ executions?$"));
        await UiFixture.AssertAccessibleAsync(page);

        // All of that came over the one stream: no reload, no re-read of the list (it used to be re-read every 2 s).
        await page.WaitForTimeoutAsync(3000);
        Assert.Equal(readsAtStart, listReads.Count);
        Assert.Single(streams);
        Assert.Single(documents);
        await page.Context.CloseAsync();
    }
}
