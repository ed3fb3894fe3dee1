using Fanout.Security;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Fanout.Ui.Tests;

/// <summary>A running target's output, live in the output dialog (SPEC U3: expand a target, output live while it runs).</summary>
[Collection("ui")]
public sealed class LiveOutputTests(UiFixture ui)
{
    [Fact]
    public async Task TheOutputDialog_ShowsWhatARunningTargetPrints_AsItPrints_ThenTheRecordedAttempt()
    {
        string id = await ui.Server.CreateBatchAsync(new
        {
            targetNodeIds = new[] { "t03" },
            action = new { type = "command", value = "echo 'before the nap'; sleep 8; echo 'after the nap'" },
        });
        IPage page = await ui.SignedInPageAsync(ApiRole.Viewer);
        await page.GotoAsync("/runs/" + id);
        await Expect(page.Locator("#targets tbody tr.state-running")).ToHaveCountAsync(1, new() { Timeout = 60_000 });
        await page.GetByRole(AriaRole.Button, new() { Name = "t03" }).ClickAsync();
        ILocator dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Output of t03" });
        ILocator stdout = dialog.GetByRole(AriaRole.Region, new() { Name = "stdout" });

        // The first line while the target still sleeps: the second is not there yet.
        await Expect(stdout).ToContainTextAsync("before the nap", new() { Timeout = 30_000 });
        await Expect(dialog.Locator("#live-state")).ToContainTextAsync("live output");
        Assert.DoesNotContain("after the nap", await stdout.TextContentAsync() ?? "", StringComparison.Ordinal);
        await UiFixture.AssertAccessibleAsync(page);
        await UiFixture.ScreenshotAsync(page, "target-output-live");

        // Then the second line, and once the attempt is recorded, the attempt with its exit code.
        await Expect(stdout).ToContainTextAsync("after the nap", new() { Timeout = 60_000 });
        await Expect(dialog.GetByRole(AriaRole.Region, new() { Name = "Attempt 1" })).ToContainTextAsync("exit code 0", new() { Timeout = 30_000 });
        await Expect(dialog.GetByRole(AriaRole.Region, new() { Name = "stdout" })).ToHaveTextAsync("before the nap\nafter the nap\n");
        await page.Context.CloseAsync();
    }
}
