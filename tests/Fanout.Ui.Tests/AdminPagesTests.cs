using System.Net;
using System.Text.Json;
using Fanout.Security;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Fanout.Ui.Tests;

/// <summary>The Schedules, Audit and Tokens pages (issue 13), in Chromium against the real server: admins act, others only read, the API refuses them anyway.</summary>
[Collection("ui")]
public sealed class AdminPagesTests(UiFixture ui)
{
    [Fact]
    public async Task Schedules_AnAdminAddsRunsNowPausesResumesAndDeletes_AViewerSeesNoControls_AndTheApiRefusesThem()
    {
        IPage page = await ui.SignedInPageAsync(ApiRole.Admin);
        await page.GetByRole(AriaRole.Link, new() { Name = "Schedules" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Schedules", Exact = true })).ToBeVisibleAsync();

        // A bad cron: the API's problem is shown at the cron field, nothing is added.
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("ui-nightly");
        await page.GetByLabel("Cron", new() { Exact = true }).FillAsync("every day");
        await page.GetByLabel("Nodes", new() { Exact = true }).FillAsync("t01, t02");
        await page.GetByLabel("Command", new() { Exact = true }).FillAsync("echo from-schedule");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add schedule" }).ClickAsync();
        await Expect(page.Locator("#err-sch-cron")).ToContainTextAsync("every day");
        await Expect(page.GetByLabel("Cron", new() { Exact = true })).ToHaveAttributeAsync("aria-invalid", "true");

        await page.GetByLabel("Cron", new() { Exact = true }).FillAsync("0 3 * * *");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add schedule" }).ClickAsync();
        ILocator row = page.GetByRole(AriaRole.Table, new() { Name = "Schedules" }).Locator("tr[data-schedule='ui-nightly']");
        await Expect(row).ToContainTextAsync("echo from-schedule");
        await Expect(row).ToContainTextAsync("active");
        await Expect(row).ToContainTextAsync("03:00:00 UTC"); // next fire
        await UiFixture.AssertAccessibleAsync(page);
        await UiFixture.ScreenshotAsync(page, "schedules");

        // Run now: the run starts at once and is linked; it really ran on both targets.
        await row.GetByRole(AriaRole.Button, new() { Name = "Run now: ui-nightly" }).ClickAsync();
        ILocator result = page.Locator("#schedule-action-result");
        await Expect(result).ToContainTextAsync("Schedule ui-nightly fired: run ");
        string runId = (await result.GetByRole(AriaRole.Link).TextContentAsync())!;
        JsonElement status = await ui.Server.WaitFinishedAsync(runId);
        Assert.Equal("succeeded", status.GetProperty("status").GetString());
        Assert.Equal(2, status.GetProperty("counts").GetProperty("succeeded").GetInt32());

        // Pause and resume.
        await row.GetByRole(AriaRole.Button, new() { Name = "Pause ui-nightly" }).ClickAsync();
        await Expect(row).ToContainTextAsync("paused");
        await Expect(row.GetByRole(AriaRole.Button, new() { Name = "Resume ui-nightly" })).ToBeVisibleAsync();
        await Expect(row.Locator("td").Nth(5)).ToHaveTextAsync("–");
        await Expect(row.GetByRole(AriaRole.Link)).ToHaveAttributeAsync("href", "/runs/" + runId); // last result links the run
        Assert.True((await ui.Server.GetJsonAsync("/api/schedules")).GetProperty("schedules").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "ui-nightly").GetProperty("paused").GetBoolean());

        // A viewer sees the schedule but no control, and the API refuses the viewer's session anyway.
        IPage viewer = await ui.SignedInPageAsync(ApiRole.Viewer);
        await viewer.GotoAsync("/schedules");
        await Expect(viewer.Locator("tr[data-schedule='ui-nightly']")).ToContainTextAsync("paused");
        await Expect(viewer.GetByRole(AriaRole.Button, new() { Name = "Resume ui-nightly" })).ToHaveCountAsync(0);
        await Expect(viewer.GetByRole(AriaRole.Button, new() { Name = "Run now: ui-nightly" })).ToHaveCountAsync(0);
        await Expect(viewer.GetByRole(AriaRole.Button, new() { Name = "Add schedule" })).ToHaveCountAsync(0);
        await UiFixture.AssertAccessibleAsync(viewer);
        int refused = await viewer.EvaluateAsync<int>(@"async () => (await fetch('/api/schedules/ui-nightly/resume', { method: 'POST',
            headers: { RequestVerificationToken: document.querySelector('input[name=__RequestVerificationToken]').value } })).status");
        Assert.Equal(403, refused);
        await viewer.Context.CloseAsync();

        await row.GetByRole(AriaRole.Button, new() { Name = "Resume ui-nightly" }).ClickAsync();
        await Expect(row).ToContainTextAsync("active");
        page.Dialog += (_, d) => d.AcceptAsync();
        await row.GetByRole(AriaRole.Button, new() { Name = "Delete ui-nightly" }).ClickAsync();
        await Expect(row).ToHaveCountAsync(0);
        Assert.DoesNotContain((await ui.Server.GetJsonAsync("/api/schedules")).GetProperty("schedules").EnumerateArray(), s => s.GetProperty("name").GetString() == "ui-nightly");
        foreach (string action in new[] { "schedule.add", "schedule.run", "schedule.pause", "schedule.resume", "schedule.cancel" })
        {
            Assert.Contains(await ui.Server.AuditAsync(action), e => e.GetProperty("actor").GetString() == "admin" && e.GetProperty("detail").GetString()!.Contains("ui-nightly", StringComparison.Ordinal));
        }

        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Audit_FiltersByBatchActorActionAndTimeRange_AndShowsBadTimesAtTheirField()
    {
        string batch = await ui.Server.CreateBatchAsync(new { targetNodeIds = new[] { "t01", "t02" }, action = new { type = "command", value = "echo audited" } });
        await ui.Server.WaitFinishedAsync(batch);
        IPage page = await ui.SignedInPageAsync(ApiRole.Viewer);
        await page.GetByRole(AriaRole.Link, new() { Name = "Audit" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Audit", Exact = true })).ToBeVisibleAsync();
        ILocator table = page.GetByRole(AriaRole.Table, new() { Name = "Audit entries" });

        await page.GetByLabel("Batch").FillAsync(batch);
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await Expect(table.Locator("tbody tr").Filter(new() { HasText = "batch.create" })).ToHaveCountAsync(1);
        await Expect(table.Locator("tbody tr").Filter(new() { HasText = "execution.finish" })).ToHaveCountAsync(2);
        await Expect(table.Locator("tbody tr").Filter(new() { HasNotText = batch })).ToHaveCountAsync(0);
        await UiFixture.AssertAccessibleAsync(page);
        await UiFixture.ScreenshotAsync(page, "audit");

        await page.GetByLabel("Action").FillAsync("batch.create");
        await page.GetByLabel("Actor").FillAsync("operator");
        await page.GetByLabel("Since").FillAsync("1h");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await Expect(table.Locator("tbody tr")).ToHaveCountAsync(1);
        await Expect(table.Locator("tbody tr")).ToContainTextAsync("operator");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("since=1h"));

        await page.GetByLabel("Actor").FillAsync("someone-else");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await Expect(table.Locator("tbody tr")).ToHaveCountAsync(0);

        await page.GetByLabel("Actor").FillAsync("operator");
        await page.GetByLabel("Since").FillAsync(DateTimeOffset.UtcNow.AddMinutes(5).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await Expect(table.Locator("tbody tr")).ToHaveCountAsync(0);

        await page.GetByLabel("Since").FillAsync("yesterday");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("'yesterday' is neither an ISO 8601 time");
        await Expect(page.GetByLabel("Since")).ToHaveAttributeAsync("aria-invalid", "true");
        await UiFixture.AssertAccessibleAsync(page);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Tokens_AnAdminCreatesATokenShownOnce_ItSignsIn_AndRevokingItEndsIt_OthersGetNoTokensPage()
    {
        IPage op = await ui.SignedInPageAsync(ApiRole.Operator);
        await Expect(op.GetByRole(AriaRole.Link, new() { Name = "Tokens" })).ToHaveCountAsync(0);
        IResponse? forbidden = await op.GotoAsync("/tokens");
        Assert.Equal(403, forbidden!.Status);
        await op.Context.CloseAsync();

        IPage page = await ui.SignedInPageAsync(ApiRole.Admin);
        await page.GetByRole(AriaRole.Link, new() { Name = "Tokens" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Tokens", Exact = true })).ToBeVisibleAsync();
        ILocator table = page.GetByRole(AriaRole.Table, new() { Name = "All tokens" });
        await Expect(table.Locator("tr[data-token='viewer']")).ToContainTextAsync("active");

        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("ui-temp");
        await page.GetByLabel("Role").SelectOptionAsync("viewer");
        await page.GetByLabel("Expires in").FillAsync("forever");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create token" }).ClickAsync();
        await Expect(page.Locator("#err-tok-expires")).ToContainTextAsync("'forever' is not a positive duration");

        await page.GetByLabel("Expires in").FillAsync("1d");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create token" }).ClickAsync();
        ILocator secret = page.GetByLabel("New token");
        await Expect(secret).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("^fo_"));
        string token = await secret.InputValueAsync();
        await Expect(table.Locator("tr[data-token='ui-temp']")).ToContainTextAsync("viewer");
        await UiFixture.AssertAccessibleAsync(page);
        await UiFixture.ScreenshotAsync(page, "tokens");

        // Shown once: the list (page or API) never carries it again.
        await page.ReloadAsync();
        Assert.DoesNotContain(token, await page.ContentAsync(), StringComparison.Ordinal);
        ILocator row = table.Locator("tr[data-token='ui-temp']");
        await Expect(row).ToContainTextAsync("UTC"); // expires
        using (HttpClient client = ui.Server.ClientWithToken(token))
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/me")).StatusCode);
        }

        page.Dialog += (_, d) => d.AcceptAsync();
        await row.GetByRole(AriaRole.Button, new() { Name = "Revoke ui-temp" }).ClickAsync();
        await Expect(page.Locator("#token-action-result")).ToContainTextAsync("Token ui-temp revoked.");
        await Expect(row).ToContainTextAsync("revoked");
        using (HttpClient client = ui.Server.ClientWithToken(token))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/me")).StatusCode);
        }

        Assert.Contains(await ui.Server.AuditAsync("token.revoke"), e => e.GetProperty("actor").GetString() == "admin");
        await page.Context.CloseAsync();
    }
}
