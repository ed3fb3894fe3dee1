using System.Text.Json;
using Fanout.Security;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Fanout.Ui.Tests;

/// <summary>The new-execution dialog's run options beyond the basic ones (batch wait and the "More options"), in Chromium against the real server.</summary>
[Collection("ui")]
public sealed class DialogOptionsTests(UiFixture ui)
{
    [Fact]
    public async Task BatchWait_ABadValueAtItsField_ThenTheSecondBatchStartsAfterThePause()
    {
        IPage page = await ui.SignedInPageAsync(ApiRole.Operator);
        await page.GetByRole(AriaRole.Button, new() { Name = "New execution" }).ClickAsync();
        ILocator dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "New execution" });
        foreach (string t in new[] { "t01", "t02", "t03", "t04" })
        {
            await dialog.GetByRole(AriaRole.Checkbox, new() { Name = t, Exact = true }).CheckAsync();
        }

        await dialog.GetByRole(AriaRole.Textbox, new() { Name = "Command" }).FillAsync("sleep 0.2");
        await dialog.GetByRole(AriaRole.Spinbutton, new() { Name = "Parallel" }).FillAsync("4");
        await dialog.GetByRole(AriaRole.Combobox, new() { Name = "Batch size" }).SelectOptionAsync("custom");
        await dialog.GetByRole(AriaRole.Textbox, new() { Name = "Custom batch size" }).FillAsync("2");
        await Expect(dialog.Locator("#estimated-batches")).ToHaveTextAsync("Estimated batches: 2");
        ILocator wait = dialog.GetByRole(AriaRole.Textbox, new() { Name = "Batch wait" });
        await Expect(wait).ToHaveValueAsync("0s");

        // A bad pause: the API's problem at the field, focused and invalid; nothing runs.
        await wait.FillAsync("soon");
        ILocator run = dialog.GetByRole(AriaRole.Button, new() { Name = "Run", Exact = true });
        IResponse refused = await page.RunAndWaitForResponseAsync(() => run.ClickAsync(), r => r.Request.Method == "POST" && r.Url.EndsWith("/api/executions/batch", StringComparison.Ordinal));
        Assert.Equal(400, refused.Status);
        await Expect(dialog.Locator("#err-batchWait")).ToContainTextAsync("options.batchWait 'soon'");
        await Expect(wait).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(wait).ToBeFocusedAsync();
        await UiFixture.AssertAccessibleAsync(page);

        // The other options are in "More options"; a bad one opens it and is shown at its field.
        await wait.FillAsync("3s");
        ILocator codes = dialog.GetByRole(AriaRole.Textbox, new() { Name = "Retry on exit codes" });
        await dialog.GetByText("More options").ClickAsync();
        await codes.FillAsync("75, 300");
        await page.RunAndWaitForResponseAsync(() => run.ClickAsync(), r => r.Request.Method == "POST" && r.Url.EndsWith("/api/executions/batch", StringComparison.Ordinal));
        await Expect(dialog.Locator("#err-retryOnExitCodes")).ToContainTextAsync("300");
        await Expect(codes).ToHaveAttributeAsync("aria-invalid", "true");
        await codes.FillAsync("");

        IResponse created = await ui.RunAndExpectCreatedAsync(page, () => run.ClickAsync(), "/api/executions/batch");
        JsonElement request = JsonDocument.Parse(created.Request.PostData!).RootElement;
        Assert.Equal("3s", request.GetProperty("options").GetProperty("batchWait").GetString());
        await ui.WaitForRunPageAsync(page);
        string id = Uri.UnescapeDataString(new Uri(page.Url).Segments[^1]);
        await Expect(page.Locator("#summary")).ToContainTextAsync("All 4 targets succeeded", new() { Timeout = 60_000 });

        // The server honoured it: from the recorded times, batch 2 started at least 3 s after batch 1 ended.
        JsonElement status = await ui.Server.WaitFinishedAsync(id);
        JsonElement[] rows = [.. status.GetProperty("executions").EnumerateArray()];
        DateTimeOffset wave1End = rows.Where(r => r.GetProperty("wave").GetInt32() == 1)
            .Max(r => r.GetProperty("startedAt").GetDateTimeOffset().AddMilliseconds(r.GetProperty("durationMs").GetDouble()));
        DateTimeOffset wave2Start = rows.Where(r => r.GetProperty("wave").GetInt32() == 2).Min(r => r.GetProperty("startedAt").GetDateTimeOffset());
        Assert.True(wave2Start - wave1End >= TimeSpan.FromSeconds(3) - TimeSpan.FromMilliseconds(10), $"batch 2 started {(wave2Start - wave1End).TotalMilliseconds} ms after batch 1 ended");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Atomic_AsksForARollbackCommand_AndTheRollbackRunsOnTheSucceededTargets()
    {
        string undone = Path.Combine(ui.Server.Directory, $"undone-{Guid.NewGuid():N}");
        IPage page = await ui.SignedInPageAsync(ApiRole.Operator);
        await page.GetByRole(AriaRole.Button, new() { Name = "New execution" }).ClickAsync();
        ILocator dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "New execution" });
        await dialog.GetByRole(AriaRole.Checkbox, new() { Name = "t01", Exact = true }).CheckAsync();
        await dialog.GetByRole(AriaRole.Checkbox, new() { Name = "t02", Exact = true }).CheckAsync();
        await dialog.GetByRole(AriaRole.Textbox, new() { Name = "Command" }).FillAsync("[ $FANOUT_TARGET = t01 ]");
        ILocator rollback = dialog.GetByRole(AriaRole.Textbox, new() { Name = "Rollback", Exact = true });
        await Expect(rollback).ToBeHiddenAsync();
        await dialog.GetByRole(AriaRole.Combobox, new() { Name = "Failure policy" }).SelectOptionAsync("atomic");
        await Expect(rollback).ToBeVisibleAsync();

        // Atomic without a rollback: a command has none, so the API refuses it at the failure policy.
        ILocator run = dialog.GetByRole(AriaRole.Button, new() { Name = "Run", Exact = true });
        IResponse refused = await page.RunAndWaitForResponseAsync(() => run.ClickAsync(), r => r.Request.Method == "POST" && r.Url.EndsWith("/api/executions/batch", StringComparison.Ordinal));
        Assert.Equal(400, refused.Status);
        await Expect(dialog.Locator("#err-failurePolicy")).ToContainTextAsync("needs a rollback");

        await rollback.FillAsync($"echo $FANOUT_TARGET >> {undone}");
        IResponse created = await ui.RunAndExpectCreatedAsync(page, () => run.ClickAsync(), "/api/executions/batch");
        await ui.WaitForRunPageAsync(page);
        string id = Uri.UnescapeDataString(new Uri(page.Url).Segments[^1]);
        JsonElement status = await ui.Server.WaitFinishedAsync(id);
        Assert.Equal("failed", status.GetProperty("runStatus").GetString());
        Assert.Equal(["t01"], File.ReadAllLines(undone));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Script_WithArguments_AndTheTransportFilter_TheTargetGetsTheArguments()
    {
        string seen = Path.Combine(ui.Server.Directory, $"args-{Guid.NewGuid():N}");
        IPage page = await ui.SignedInPageAsync(ApiRole.Operator);
        await page.GetByRole(AriaRole.Button, new() { Name = "New execution" }).ClickAsync();
        ILocator dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "New execution" });
        ILocator transport = dialog.GetByRole(AriaRole.Combobox, new() { Name = "Transport" });
        await Expect(transport.Locator("option[value='local']")).ToHaveTextAsync("local (31)");
        IResponse filtered = await page.RunAndWaitForResponseAsync(() => transport.SelectOptionAsync("local"), r => r.Url.Contains("/api/inventory/nodes?", StringComparison.Ordinal));
        Assert.Contains("transport=local", filtered.Url, StringComparison.Ordinal);
        await Expect(dialog.Locator("#node-note")).ToHaveTextAsync("31 matching nodes.");
        await dialog.GetByRole(AriaRole.Checkbox, new() { Name = "t05", Exact = true }).CheckAsync();
        await dialog.GetByRole(AriaRole.Combobox, new() { Name = "Action type" }).SelectOptionAsync("script");
        await Expect(dialog.GetByRole(AriaRole.Textbox, new() { Name = "Command", Exact = true })).ToBeHiddenAsync();
        await dialog.GetByRole(AriaRole.Textbox, new() { Name = "Script", Exact = true }).FillAsync($"#!/bin/sh\necho \"$# $1 $2\" > {seen}\n");
        await dialog.GetByRole(AriaRole.Textbox, new() { Name = "Script arguments" }).FillAsync("first, second");
        await UiFixture.AssertAccessibleAsync(page);
        IResponse created = await ui.RunAndExpectCreatedAsync(page, () => dialog.GetByRole(AriaRole.Button, new() { Name = "Run", Exact = true }).ClickAsync(), "/api/executions/batch");
        await ui.WaitForRunPageAsync(page);
        string id = Uri.UnescapeDataString(new Uri(page.Url).Segments[^1]);
        JsonElement status = await ui.Server.WaitFinishedAsync(id);
        Assert.Equal("succeeded", status.GetProperty("runStatus").GetString());
        Assert.Equal("2 first second", (await File.ReadAllTextAsync(seen)).Trim());
        await page.Context.CloseAsync();
    }
}
