using System.Collections.Concurrent;
using Fanout.Security;
using Fanout.Server.Tests;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Fanout.Ui.Tests;

/// <summary>
/// The new-execution dialog's node list is virtualised (seed 003: virtual scrolling of the target selector): over an inventory
/// of 3,005 nodes only the rows in view exist, pages of 200 are read as they come into view, and a node far down the list can be
/// scrolled to and checked, its check kept when its row is rebuilt.
/// </summary>
[Collection("ui")]
public sealed class NodeListTests(UiFixture ui)
{
    [Fact]
    public async Task NewExecutionDialog_OverThousandsOfNodes_ScrollsToALateNode_ChecksIt_AndCountsRight()
    {
        await using ServerHost server = await ServerHost.StartAsync(bigTargets: 3000);
        IBrowserContext context = await ui.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = server.Address.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        context.SetDefaultTimeout(30_000);
        IPage page = await context.NewPageAsync();
        var reads = new ConcurrentQueue<string>();
        page.Request += (_, r) =>
        {
            if (new Uri(r.Url).AbsolutePath == "/api/inventory/nodes")
            {
                reads.Enqueue(new Uri(r.Url).Query);
            }
        };
        await page.GotoAsync("/signin");
        await page.GetByLabel("Token").FillAsync(server.Tokens[ApiRole.Operator]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "New execution" }).ClickAsync();
        ILocator dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "New execution" });
        ILocator count = dialog.Locator("#target-count");
        await Expect(dialog.Locator("#node-note")).ToHaveTextAsync("3005 matching nodes.");
        await Expect(dialog.GetByRole(AriaRole.Checkbox, new() { Name = "t01", Exact = true })).ToBeVisibleAsync();
        // Only the rows in view (and a few around them) exist.
        int rendered = await dialog.Locator("#node-list tbody tr:not(.spacer)").CountAsync();
        Assert.InRange(rendered, 5, 60);
        await Expect(dialog.GetByRole(AriaRole.Checkbox, new() { Name = "n2990", Exact = true })).ToHaveCountAsync(0);

        // Scroll to the end: the last page is read and its rows rendered; check a late node.
        await dialog.Locator("#node-scroll").EvaluateAsync("el => { el.scrollTop = el.scrollHeight; }");
        ILocator late = dialog.GetByRole(AriaRole.Checkbox, new() { Name = "n2990", Exact = true });
        await late.CheckAsync();
        await Expect(count).ToHaveTextAsync("1 target selected");
        Assert.InRange(await dialog.Locator("#node-list tbody tr:not(.spacer)").CountAsync(), 5, 60);

        // Back to the top (those rows are rebuilt), check another, then down again: the late node is still checked.
        await dialog.Locator("#node-scroll").EvaluateAsync("el => { el.scrollTop = 0; }");
        await dialog.GetByRole(AriaRole.Checkbox, new() { Name = "t01", Exact = true }).CheckAsync();
        await Expect(count).ToHaveTextAsync("2 targets selected");
        await dialog.Locator("#node-scroll").EvaluateAsync("el => { el.scrollTop = el.scrollHeight; }");
        await Expect(late).ToBeCheckedAsync();
        await late.UncheckAsync();
        await Expect(count).ToHaveTextAsync("1 target selected");
        await late.CheckAsync();

        // Scrolling to the middle reads only the page there (no page is read twice, every read is a page of 200).
        await dialog.Locator("#node-scroll").EvaluateAsync("el => { el.scrollTop = el.scrollHeight / 2; }");
        await Expect(dialog.GetByRole(AriaRole.Checkbox, new() { Name = "n1500", Exact = true })).ToBeVisibleAsync();
        string[] pages = [.. reads];
        Assert.All(pages, q => Assert.Contains("pageSize=200", q, StringComparison.Ordinal));
        Assert.Equal(pages.Length, pages.Distinct().Count());
        Assert.True(pages.Length <= 5, string.Join(" ", pages));

        // A search narrows the list; "Select all" takes every match; the count stays deduplicated (n2990 was checked).
        await dialog.GetByRole(AriaRole.Searchbox, new() { Name = "Search targets" }).FillAsync("n29");
        await Expect(dialog.Locator("#node-note")).ToHaveTextAsync("100 matching nodes.");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Select all" }).ClickAsync();
        await Expect(count).ToHaveTextAsync("101 targets selected");
        await Expect(dialog.GetByRole(AriaRole.Checkbox, new() { Name = "n2900", Exact = true })).ToBeCheckedAsync();
        await UiFixture.AssertAccessibleAsync(page);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Clear" }).ClickAsync();
        await Expect(count).ToHaveTextAsync("0 targets selected");
        await Expect(dialog.GetByRole(AriaRole.Checkbox, new() { Name = "n2900", Exact = true })).Not.ToBeCheckedAsync();
        await context.CloseAsync();
    }
}
