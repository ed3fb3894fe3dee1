using Fanout.Security;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Fanout.Ui.Tests;

/// <summary>A workflow's step DAG drawn as a graph on the Workflows page and on a run page, coloured by live step state (SPEC U3).</summary>
[Collection("ui")]
public sealed class StepGraphTests(UiFixture ui)
{
    private const string Staged = """
        name: staged
        description: build, two deploys side by side, a gate, then ship
        steps:
          - {name: build, command: sleep 1}
          - name: deploy
            parallel: true
            steps:
              - {name: api, command: sleep 1}
              - {name: worker, command: sleep 1}
          - {name: gate, manual_approval: true}
          - {name: ship, command: echo shipped}
        """;

    [Fact]
    public async Task StepGraph_OnTheWorkflowPage_AndOnTheRunPage_FollowsTheLiveStepStates()
    {
        string dir = Path.Combine(ui.Server.Directory, "workflows");
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "staged.yaml"), Staged);
        IPage page = await ui.SignedInPageAsync(ApiRole.Operator);
        await page.GotoAsync("/workflows/staged.yaml");

        // The plan as a graph (an image with a caption) and as a list of steps in words.
        ILocator graph = page.GetByRole(AriaRole.Img, new() { Name = "Step graph of staged" });
        await Expect(graph).ToBeVisibleAsync();
        await Expect(graph.Locator("g.gnode")).ToHaveCountAsync(6);
        await Expect(graph.Locator("path.edge:not(.contains)")).ToHaveCountAsync(3);
        ILocator steps = page.GetByRole(AriaRole.List, new() { Name = "Steps" });
        await Expect(steps).ToContainTextAsync("deploy (group)");
        await Expect(steps.Locator("li[data-node='gate']")).ToContainTextAsync("pending");
        await Expect(steps.Locator("li[data-node='gate']")).ToContainTextAsync("after deploy");
        await UiFixture.AssertAccessibleAsync(page);

        await ui.RunAndExpectCreatedAsync(page, () => page.GetByRole(AriaRole.Button, new() { Name = "Run workflow" }).ClickAsync(), "/api/workflows/run");
        await ui.WaitForRunPageAsync(page);
        ILocator gate = page.Locator("#step-graph g[data-node='gate']");
        await Expect(page.Locator("#step-graph")).ToHaveAttributeAsync("data-live", "true");
        // Without a reload: the page follows the run until the gate waits for a person.
        await Expect(gate).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("state-awaiting-approval"), new() { Timeout = 60_000 });
        await Expect(gate).ToContainTextAsync("awaiting-approval");
        await Expect(page.Locator("#step-graph g[data-node='deploy/api']")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("state-succeeded"));
        await Expect(page.Locator("#step-graph li[data-node='build']")).ToContainTextAsync("succeeded");
        await Expect(page.Locator("#step-graph li[data-node='ship']")).ToContainTextAsync("pending");
        await UiFixture.AssertAccessibleAsync(page);
        await UiFixture.ScreenshotAsync(page, "step-graph");

        ILocator approve = page.GetByRole(AriaRole.Button, new() { Name = "Approve" });
        for (int i = 0; i < 60 && await approve.CountAsync() == 0; i++)
        {
            await Task.Delay(500);
            await page.ReloadAsync();
        }

        await approve.ClickAsync();
        await Expect(page.Locator("#step-graph li[data-node='ship']")).ToContainTextAsync("succeeded", new() { Timeout = 60_000 });
        await Expect(page.Locator("#step-graph g[data-node='gate']")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("state-succeeded"));
        await page.Context.CloseAsync();
    }
}
