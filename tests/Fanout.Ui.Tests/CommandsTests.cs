using System.Text.Json;
using Fanout.Security;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Fanout.Ui.Tests;

/// <summary>
/// Seed 002's jobs of several commands in Chromium against the real server: the dialog's action type "commands" with one
/// command a line, and the run page's output of a target with one section per command (its exit code and its own output).
/// </summary>
[Collection("ui")]
public sealed class CommandsTests(UiFixture ui)
{
    [Fact]
    public async Task NewExecution_ACommandList_RunsInOrder_AndATargetsOutputHasOneSectionPerCommand()
    {
        IPage page = await ui.SignedInPageAsync(ApiRole.Operator);
        await page.GetByRole(AriaRole.Button, new() { Name = "New execution" }).ClickAsync();
        ILocator dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "New execution" });
        await dialog.GetByRole(AriaRole.Checkbox, new() { Name = "t01", Exact = true }).CheckAsync();
        await dialog.GetByRole(AriaRole.Checkbox, new() { Name = "t02", Exact = true }).CheckAsync();
        await dialog.GetByRole(AriaRole.Combobox, new() { Name = "Action type" }).SelectOptionAsync("commands");
        await Expect(dialog.GetByRole(AriaRole.Textbox, new() { Name = "Command", Exact = true })).ToBeHiddenAsync();
        ILocator commands = dialog.GetByRole(AriaRole.Textbox, new() { Name = "Commands", Exact = true });
        ILocator run = dialog.GetByRole(AriaRole.Button, new() { Name = "Run", Exact = true });
        await Expect(run).ToBeDisabledAsync();

        // A line too long for the server: its problem (action.commands[1]) is shown at the list, nothing runs.
        await commands.FillAsync("echo one $FANOUT_TARGET\n" + new string('x', (256 * 1024) + 1));
        IResponse refused = await page.RunAndWaitForResponseAsync(() => run.ClickAsync(), r => r.Request.Method == "POST" && r.Url.EndsWith("/api/executions/batch", StringComparison.Ordinal));
        Assert.Equal(400, refused.Status);
        await Expect(dialog.Locator("#err-action")).ToContainTextAsync("command 2 has");
        await Expect(commands).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(commands).ToBeFocusedAsync();

        await commands.FillAsync("echo one $FANOUT_TARGET\n\n  [ $FANOUT_TARGET = t01 ] || { echo oops >&2; exit 4; }  \necho three");
        await UiFixture.AssertAccessibleAsync(page);
        IResponse created = await ui.RunAndExpectCreatedAsync(page, () => run.ClickAsync(), "/api/executions/batch");
        JsonElement action = JsonDocument.Parse(created.Request.PostData!).RootElement.GetProperty("action");
        Assert.Equal("commands", action.GetProperty("type").GetString());
        Assert.Equal(["echo one $FANOUT_TARGET", "[ $FANOUT_TARGET = t01 ] || { echo oops >&2; exit 4; }", "echo three"], action.GetProperty("commands").EnumerateArray().Select(c => c.GetString()));
        await ui.WaitForRunPageAsync(page);
        await Expect(page.Locator("#summary")).ToContainTextAsync("1 target not succeeded", new() { Timeout = 60_000 });

        // t01 ran all three; t02 failed at the second, the third was not sent.
        ILocator targets = page.GetByRole(AriaRole.Table, new() { Name = "Targets" });
        await targets.GetByRole(AriaRole.Button, new() { Name = "t01" }).ClickAsync();
        ILocator output = page.GetByRole(AriaRole.Dialog, new() { Name = "Output of t01" });
        // Where it ran (seed 003: connection metadata): a local target says so.
        await Expect(output.Locator("[data-connection]")).ToHaveTextAsync("local");
        await Expect(output.GetByRole(AriaRole.Region, new() { Name = "Command 1: echo one $FANOUT_TARGET" })).ToContainTextAsync("exit code 0");
        await Expect(output.GetByRole(AriaRole.Region, new() { Name = "stdout of command 1" })).ToHaveTextAsync("one t01\n");
        await Expect(output.GetByRole(AriaRole.Region, new() { Name = "stdout of command 3" })).ToHaveTextAsync("three\n");
        await page.Keyboard.PressAsync("Escape");

        await targets.GetByRole(AriaRole.Button, new() { Name = "t02" }).ClickAsync();
        output = page.GetByRole(AriaRole.Dialog, new() { Name = "Output of t02" });
        ILocator second = output.GetByRole(AriaRole.Region, new() { Name = "Command 2: [ $FANOUT_TARGET = t01 ] || { echo oops >&2; exit 4; }" });
        await Expect(second).ToContainTextAsync("failed · exit code 4");
        await Expect(output.GetByRole(AriaRole.Region, new() { Name = "stderr of command 2" })).ToHaveTextAsync("oops\n");
        await Expect(output.GetByRole(AriaRole.Region, new() { Name = "stdout of command 3" })).ToHaveCountAsync(0);
        await Expect(output).ToContainTextAsync("Command 3 was not run: command 2 failed.");
        await UiFixture.AssertAccessibleAsync(page);
        await UiFixture.ScreenshotAsync(page, "target-commands");
        await page.Context.CloseAsync();
    }
}
