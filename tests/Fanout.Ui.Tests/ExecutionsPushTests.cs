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

    [Fact]
    public async Task TheTypeFilter_ShowsSingleOrBatchRuns_AndOnlyNewRunsOfThatTypeArePushedOntoTheList()
    {
        string tag = $"typed{Guid.NewGuid():N}"[..14];
        string single = await ui.Server.CreateBatchAsync(new { targetNodeIds = new[] { "t03" }, action = new { type = "command", value = $"echo {tag} one" } });
        string batch = await ui.Server.CreateBatchAsync(new { targetNodeIds = new[] { "t03", "t04" }, action = new { type = "command", value = $"echo {tag} two" } });
        await ui.Server.WaitFinishedAsync(single);
        await ui.Server.WaitFinishedAsync(batch);
        IPage page = await ui.SignedInPageAsync(ApiRole.Viewer);
        await page.GotoAsync("/executions");
        await page.GetByRole(AriaRole.Searchbox, new() { Name = "Search", Exact = true }).FillAsync(tag);
        await page.GetByRole(AriaRole.Combobox, new() { Name = "Type", Exact = true }).SelectOptionAsync("single");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("type=single"));
        ILocator rows = page.Locator("#exec-table tbody tr:not(.spacer)");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToContainTextAsync(single);
        await Expect(page.Locator("#exec-summary")).ToHaveTextAsync("1 execution");
        await UiFixture.AssertAccessibleAsync(page);

        // Pushed while the page is open: a new single run appears on top, a new batch does not.
        string newBatch = await ui.Server.CreateBatchAsync(new { targetNodeIds = new[] { "t03", "t05" }, action = new { type = "command", value = $"echo {tag} three" } });
        string newSingle = await ui.Server.CreateBatchAsync(new { targetNodeIds = new[] { "t05" }, action = new { type = "command", value = $"echo {tag} four" } });
        await Expect(rows.First).ToContainTextAsync(newSingle, new() { Timeout = 60_000 });
        await ui.Server.WaitFinishedAsync(newBatch);
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(page.Locator("#exec-table")).Not.ToContainTextAsync(newBatch);

        await page.GetByRole(AriaRole.Combobox, new() { Name = "Type", Exact = true }).SelectOptionAsync("batch");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("type=batch"));
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Nth(0)).ToContainTextAsync(newBatch);
        await Expect(rows.Nth(1)).ToContainTextAsync(batch);
        await page.Context.CloseAsync();
    }
}
