using System.Text.Json;
using Fanout.Security;
using Fanout.Server.Tests;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Fanout.Ui.Tests;

/// <summary>
/// The Schedules page adds every kind <c>fanout schedule add</c> makes — script, sync, lifecycle task and workflow (the command kind is
/// in <see cref="AdminPagesTests"/>) — and each schedule's "Run now" really runs what it should on the real targets.
/// </summary>
[Collection("ui")]
public sealed class ScheduleKindsTests(UiFixture ui)
{
    private async Task<(IPage Page, ILocator Form)> OpenAsync(string name, string kind)
    {
        IPage page = await ui.SignedInPageAsync(ApiRole.Admin);
        await page.GotoAsync("/schedules");
        ILocator form = page.Locator("#schedule-form");
        await form.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
        await form.GetByLabel("Cron", new() { Exact = true }).FillAsync("0 4 * * *");
        await form.GetByRole(AriaRole.Combobox, new() { Name = "What to run" }).SelectOptionAsync(kind);
        return (page, form);
    }

    /// <summary>Adds the schedule, checks its row, fires "Run now" and returns the run id it links.</summary>
    private static async Task<string> AddAndRunNowAsync(IPage page, string name, string kind, string what)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Add schedule" }).ClickAsync();
        ILocator row = page.GetByRole(AriaRole.Table, new() { Name = "Schedules" }).Locator($"tr[data-schedule='{name}']");
        await Expect(row.Locator("td").Nth(1)).ToHaveTextAsync(kind);
        await Expect(row.Locator("td").Nth(2)).ToContainTextAsync(what);
        await Expect(row).ToContainTextAsync("04:00:00 UTC");
        await row.GetByRole(AriaRole.Button, new() { Name = $"Run now: {name}" }).ClickAsync();
        ILocator result = page.Locator("#schedule-action-result");
        await Expect(result).ToContainTextAsync($"Schedule {name} fired: run ", new() { Timeout = 60_000 });
        return (await result.GetByRole(AriaRole.Link).TextContentAsync())!;
    }

    [Fact]
    public async Task Script_TheScriptRunsWithItsArguments_OnTheNodes()
    {
        string seen = Path.Combine(ui.Server.Directory, $"script-{Guid.NewGuid():N}");
        (IPage page, ILocator form) = await OpenAsync("ui-script", "script");
        await form.GetByLabel("Nodes", new() { Exact = true }).FillAsync("t02");
        await form.GetByLabel("Script", new() { Exact = true }).FillAsync($"#!/bin/sh\necho \"$1 $2 $FANOUT_TARGET\" > {seen}\n");
        await form.GetByLabel("Script arguments", new() { Exact = true }).FillAsync("alpha, beta");
        await UiFixture.AssertAccessibleAsync(page);
        string run = await AddAndRunNowAsync(page, "ui-script", "script", "script");
        Assert.Equal("alpha beta t02", await ServerHost.WaitForFileAsync(seen));
        JsonElement status = await ui.Server.WaitFinishedAsync(run);
        Assert.Equal("succeeded", status.GetProperty("status").GetString());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Sync_ASourceOutsideTheWorkflowsDirectoryIsRefusedAtItsField_ThenTheFileIsPushed()
    {
        string workflows = Path.Combine(ui.Server.Directory, "workflows");
        Directory.CreateDirectory(workflows);
        string file = $"app-{Guid.NewGuid():N}.conf";
        await File.WriteAllTextAsync(Path.Combine(workflows, file), "setting=42\n");
        string destination = Path.Combine(ui.Server.Directory, "synced-" + file);
        (IPage page, ILocator form) = await OpenAsync("ui-sync", "sync");
        await form.GetByLabel("Nodes", new() { Exact = true }).FillAsync("t03");
        await form.GetByLabel("Source", new() { Exact = true }).FillAsync("../inventory.yaml");
        await form.GetByLabel("Destination", new() { Exact = true }).FillAsync(destination);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add schedule" }).ClickAsync();
        await Expect(page.Locator("#err-sch-sync-source")).ToContainTextAsync("outside the server's workflows directory");
        await Expect(form.GetByLabel("Source", new() { Exact = true })).ToHaveAttributeAsync("aria-invalid", "true");
        Assert.DoesNotContain((await ui.Server.GetJsonAsync("/api/schedules")).GetProperty("schedules").EnumerateArray(), s => s.GetProperty("name").GetString() == "ui-sync");

        await form.GetByLabel("Source", new() { Exact = true }).FillAsync(file);
        string run = await AddAndRunNowAsync(page, "ui-sync", "sync", "sync");
        Assert.Equal("setting=42", await ServerHost.WaitForFileAsync(destination));
        JsonElement status = await ui.Server.WaitFinishedAsync(run);
        Assert.Equal("succeeded", status.GetProperty("status").GetString());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task LifecycleTask_RunsTheTargetsProviderAction()
    {
        string started = Path.Combine(ui.Server.Directory, "started-p01");
        File.Delete(started);
        (IPage page, ILocator form) = await OpenAsync("ui-lifecycle", "task");
        await form.GetByLabel("Nodes", new() { Exact = true }).FillAsync("p01");
        await form.GetByRole(AriaRole.Combobox, new() { Name = "Lifecycle task" }).SelectOptionAsync("start");
        string run = await AddAndRunNowAsync(page, "ui-lifecycle", "lifecycle", "start");
        await ServerHost.WaitForFileAsync(started);
        JsonElement status = await ui.Server.WaitFinishedAsync(run);
        Assert.Equal("succeeded", status.GetProperty("status").GetString());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Workflow_WithItsParameterForm_ABadValueAtItsField_ThenRunNowRunsItWithTheValues()
    {
        string workflows = Path.Combine(ui.Server.Directory, "workflows");
        Directory.CreateDirectory(workflows);
        string seen = Path.Combine(ui.Server.Directory, $"wf-{Guid.NewGuid():N}.seen");
        await File.WriteAllTextAsync(Path.Combine(workflows, "scheduled.yaml"), $$$"""
            name: scheduled
            parameters:
              - {name: version, required: true, validation: {pattern: '^[0-9]+[.][0-9]+$'}}
              - {name: replicas, type: number, default: 2}
            steps:
              - name: write
                targets: {pattern: t01}
                command: echo {{ .version }} {{ .replicas }} {{ .target.name }} > {{{seen}}}
            """);
        (IPage page, ILocator form) = await OpenAsync("ui-workflow", "workflow");
        await Expect(form.GetByLabel("Nodes", new() { Exact = true })).ToBeHiddenAsync();
        await form.GetByRole(AriaRole.Combobox, new() { Name = "Workflow" }).SelectOptionAsync("scheduled.yaml");
        ILocator version = form.GetByLabel("version", new() { Exact = false }).First;
        await Expect(version).ToBeVisibleAsync();
        await version.FillAsync("one");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add schedule" }).ClickAsync();
        await Expect(version).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(form.Locator("[data-param-error='version']")).ToBeVisibleAsync();
        await UiFixture.AssertAccessibleAsync(page);
        await UiFixture.ScreenshotAsync(page, "schedule-kinds");
        Assert.DoesNotContain((await ui.Server.GetJsonAsync("/api/schedules")).GetProperty("schedules").EnumerateArray(), s => s.GetProperty("name").GetString() == "ui-workflow");

        await version.FillAsync("1.5");
        await AddAndRunNowAsync(page, "ui-workflow", "workflow", "scheduled.yaml");
        Assert.Equal("1.5 2 t01", await ServerHost.WaitForFileAsync(seen));
        await page.Context.CloseAsync();
    }
}
