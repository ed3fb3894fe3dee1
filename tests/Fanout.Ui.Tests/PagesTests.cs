using System.Text.Json;
using Fanout.Security;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Fanout.Ui.Tests;

/// <summary>Inventory, Workflows (with an approval from the run page), accessibility of every page, keyboard-only use and 360 px.</summary>
[Collection("ui")]
public sealed class PagesTests(UiFixture ui)
{
    private const string Gated = """
        name: gated
        description: build, wait for a person, then ship
        steps:
          - {name: build, command: echo build}
          - {name: gate, manual_approval: true}
          - {name: after, command: echo shipped}
        """;

    [Fact]
    public async Task Inventory_ShowsNodesGroupsAndFacets_AndFilters()
    {
        IPage page = await ui.SignedInPageAsync(ApiRole.Viewer);
        await page.GetByRole(AriaRole.Link, new() { Name = "Inventory" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Inventory", Exact = true })).ToBeVisibleAsync();
        await Expect(page.Locator("#inv-summary")).ToHaveTextAsync("31 of 31 nodes");
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Tags" })).ToContainTextAsync("env=prod 3");
        await UiFixture.AssertAccessibleAsync(page);
        await UiFixture.ScreenshotAsync(page, "inventory");
        await page.GetByRole(AriaRole.Link, new() { Name = "env=prod" }).ClickAsync();
        await Expect(page.Locator("#inv-summary")).ToHaveTextAsync("3 of 31 nodes");
        await page.GetByRole(AriaRole.Searchbox, new() { Name = "Search" }).FillAsync("t0");
        await page.GetByRole(AriaRole.Textbox, new() { Name = "Tag", Exact = true }).FillAsync("");
        await page.GetByRole(AriaRole.Combobox, new() { Name = "Group" }).SelectOptionAsync("db");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await Expect(page.Locator("#inv-summary")).ToHaveTextAsync("2 of 31 nodes");
        await Expect(page.Locator("#inv-table tbody")).ToContainTextAsync("t04");
        // The source facet and filter (the fixture's one inventory file defines all 31 nodes); the table is re-rendered by the
        // script from the API's pages (virtualised), with the source's file name in its column.
        await page.GotoAsync("/inventory");
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Sources" })).ToContainTextAsync("inventory.yaml 31");
        await page.GetByRole(AriaRole.Combobox, new() { Name = "Source" }).SelectOptionAsync(new SelectOptionValue { Index = 1 });
        await page.GetByRole(AriaRole.Combobox, new() { Name = "Transport" }).SelectOptionAsync("local");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await Expect(page.Locator("#inv-summary")).ToHaveTextAsync("31 of 31 nodes");
        await Expect(page.Locator("#inv-table tbody tr[aria-rowindex='2']")).ToContainTextAsync("inventory.yaml");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task NewExecutionDialog_FiltersNodesByGroupTransportAndSource()
    {
        IPage page = await ui.SignedInPageAsync(ApiRole.Operator);
        await page.GetByRole(AriaRole.Button, new() { Name = "New execution" }).ClickAsync();
        ILocator dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "New execution" });
        await Expect(dialog.GetByRole(AriaRole.Combobox, new() { Name = "Transport" })).ToContainTextAsync("local (31)");

        await dialog.GetByRole(AriaRole.Combobox, new() { Name = "Group", Exact = true }).SelectOptionAsync("db");
        await Expect(dialog.Locator("#node-note")).ToHaveTextAsync("2 matching nodes.");
        await Expect(dialog.GetByRole(AriaRole.Checkbox, new() { Name = "t04" })).ToBeVisibleAsync();
        await dialog.GetByRole(AriaRole.Combobox, new() { Name = "Transport" }).SelectOptionAsync("local");
        await dialog.GetByRole(AriaRole.Combobox, new() { Name = "Source" }).SelectOptionAsync(new SelectOptionValue { Index = 1 });
        await Expect(dialog.Locator("#node-note")).ToHaveTextAsync("2 matching nodes.");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Select all" }).ClickAsync();
        await Expect(dialog.Locator("#target-count")).ToContainTextAsync("2 targets");
        await UiFixture.AssertAccessibleAsync(page);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Workflows_ListsFilesWithValidity_RunsOne_AndAStepIsApprovedFromTheRunPage()
    {
        string dir = Path.Combine(ui.Server.Directory, "workflows");
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "gated.yaml"), Gated);
        await File.WriteAllTextAsync(Path.Combine(dir, "broken.yaml"), "name: broken\nsteps:\n  - {name: s, comand: echo}\n");

        IPage page = await ui.SignedInPageAsync(ApiRole.Operator);
        await page.GetByRole(AriaRole.Link, new() { Name = "Workflows" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Workflows", Exact = true })).ToBeVisibleAsync();
        ILocator files = page.GetByRole(AriaRole.Table, new() { Name = "Workflow files" });
        await Expect(files.GetByRole(AriaRole.Row).Filter(new() { HasText = "broken.yaml" })).ToContainTextAsync("invalid");
        await Expect(files.GetByRole(AriaRole.Row).Filter(new() { HasText = "gated.yaml" })).ToContainTextAsync("valid");
        await page.GetByRole(AriaRole.Link, new() { Name = "broken.yaml" }).ClickAsync();
        await Expect(page.Locator(".diagnostics")).ToContainTextAsync("broken.yaml:3:");
        await UiFixture.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "gated.yaml" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Plan" })).ToContainTextAsync("gate");
        await UiFixture.ScreenshotAsync(page, "workflows");
        await ui.RunAndExpectCreatedAsync(page, () => page.GetByRole(AriaRole.Button, new() { Name = "Run workflow" }).ClickAsync(), "/api/workflows/run");
        await ui.WaitForRunPageAsync(page);
        string runId = page.Url[(page.Url.LastIndexOf('/') + 1)..];

        // The gate asks for approval: the run page offers Approve / Reject with a comment (reloaded until the engine got there).
        ILocator approve = page.GetByRole(AriaRole.Button, new() { Name = "Approve" });
        for (int i = 0; i < 60 && await approve.CountAsync() == 0; i++)
        {
            await Task.Delay(500);
            await page.ReloadAsync();
        }

        await UiFixture.AssertAccessibleAsync(page);
        await page.GetByLabel("Comment").FillAsync("looks good");
        await approve.ClickAsync();
        await Expect(page.Locator("#action-result")).ToContainTextAsync("Step gate approved by operator");
        await Expect(page.Locator(".approvals")).ToContainTextAsync("approved", new() { Timeout = 30_000 });
        JsonElement approvals = await ui.Server.GetJsonAsync($"/api/runs/{runId}/approvals");
        Assert.Equal("approved", approvals.GetProperty("approvals")[0].GetProperty("status").GetString());
        Assert.Equal("operator", approvals.GetProperty("approvals")[0].GetProperty("actor").GetString());

        // A viewer sees the pending state but no Approve/Reject, and the API refuses a viewer's approval anyway.
        IPage viewer = await ui.SignedInPageAsync(ApiRole.Viewer);
        await viewer.GotoAsync("/runs/" + runId);
        await Expect(viewer.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToHaveCountAsync(0);
        using HttpClient client = ui.Server.Client(ApiRole.Viewer);
        using HttpResponseMessage refused = await client.PostAsync($"/api/runs/{runId}/steps/gate/approve", null);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, refused.StatusCode);
        await viewer.Context.CloseAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task KeyboardOnly_NewExecutionFlow_FromTheButtonToTheRunPage_WithVisibleFocus()
    {
        IPage page = await ui.SignedInPageAsync(ApiRole.Operator);
        await TabToAsync(page, "#new-execution");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Dialog, new() { Name = "New execution" })).ToBeVisibleAsync();
        await Expect(page.Locator("#target-search")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("t05");
        await Expect(page.Locator("#node-list input")).ToHaveCountAsync(1);
        await TabToAsync(page, "#node-list input");
        await page.Keyboard.PressAsync("Space");
        await Expect(page.Locator("#target-count")).ToHaveTextAsync("1 target selected");
        await TabToAsync(page, "#command");
        await page.Keyboard.TypeAsync("echo keyboard");
        await TabToAsync(page, "#run");
        await ui.RunAndExpectCreatedAsync(page, () => page.Keyboard.PressAsync("Enter"), "/api/executions/batch");
        await ui.WaitForRunPageAsync(page);
        await Expect(page.Locator("#summary")).ToContainTextAsync("All 1 targets succeeded", new() { Timeout = 30_000 });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task EveryPage_IsAccessible_AndUsableAt360PixelsWide()
    {
        string id = await ui.Server.CreateBatchAsync(new { targetNodeIds = new[] { "t01", "t02" }, action = new { type = "command", value = "echo narrow" } });
        await ui.Server.WaitFinishedAsync(id);
        IPage page = await ui.SignedInPageAsync(ApiRole.Operator, width: 360);
        foreach (string path in new[] { "/executions", "/runs/" + id, "/inventory", "/workflows" })
        {
            await page.GotoAsync(path);
            await Expect(page.GetByRole(AriaRole.Main)).ToBeVisibleAsync();
            await UiFixture.AssertAccessibleAsync(page);
            int overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
            Assert.True(overflow <= 1, $"{path} scrolls sideways by {overflow}px at 360 px");
        }

        await page.GotoAsync("/executions");
        await UiFixture.ScreenshotAsync(page, "executions-360");
        await page.SetViewportSizeAsync(1280, 900);
        await page.GotoAsync("/executions");
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Executions" })).ToContainTextAsync(id);
        await UiFixture.ScreenshotAsync(page, "executions");
        await page.Context.CloseAsync();
    }

    /// <summary>Presses Tab (only the keyboard) until <paramref name="selector"/> has focus, and checks the focus is visible (an outline).</summary>
    private static async Task TabToAsync(IPage page, string selector)
    {
        for (int i = 0; i < 60; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            if (await page.EvaluateAsync<bool>("s => document.activeElement?.matches(s) === true", selector))
            {
                string outline = await page.EvaluateAsync<string>("() => getComputedStyle(document.activeElement).outlineStyle");
                Assert.NotEqual("none", outline);
                return;
            }
        }

        Assert.Fail($"Tab never reached {selector}");
    }
}
