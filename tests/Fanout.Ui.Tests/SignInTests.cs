using System.Text.Json;
using Fanout.Security;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Fanout.Ui.Tests;

/// <summary>Sign-in, the session cookie, who is signed in, sign-out, and what a viewer is (not) offered.</summary>
[Collection("ui")]
public sealed class SignInTests(UiFixture ui)
{
    [Fact]
    public async Task SigningInWithATokenShowsWhoAndTheRole_AndSigningOutEndsTheSession()
    {
        IPage page = await ui.NewPageAsync();
        await page.GotoAsync("/executions");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/signin\\?returnUrl=%2Fexecutions"));
        await UiFixture.AssertAccessibleAsync(page);
        await UiFixture.ScreenshotAsync(page, "signin");

        await page.GetByLabel("Token").FillAsync("fo_wrong_token");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("unknown, revoked or expired");

        await page.GetByLabel("Token").FillAsync(ui.Server.Tokens[ApiRole.Operator]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Executions" })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("signed-in-as")).ToContainTextAsync("Signed in as operator (operator)");

        // The session cookie: HttpOnly, SameSite=Strict (not Secure over plain http).
        BrowserContextCookiesResult cookie = (await page.Context.CookiesAsync()).Single(c => c.Name == "fanout_session");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);

        // The session authenticates API reads from the page: GET /api/me.
        string me = await page.EvaluateAsync<string>("async () => await (await fetch('/api/me')).text()");
        using (var doc = JsonDocument.Parse(me))
        {
            Assert.Equal("operator", doc.RootElement.GetProperty("name").GetString());
            Assert.Equal("operator", doc.RootElement.GetProperty("role").GetString());
        }

        // A state-changing call with the session but without the page's antiforgery token is refused.
        int status = await page.EvaluateAsync<int>("async () => (await fetch('/api/executions/batch', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status");
        Assert.Equal(400, status);

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
        int after = await page.EvaluateAsync<int>("async () => (await fetch('/api/me')).status");
        Assert.Equal(401, after);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AViewerIsOfferedNoRunOrCancelControls_AndTheApiRefusesThemAnyway()
    {
        string batch = await ui.Server.CreateBatchAsync(new { targetNodeIds = new[] { "t01" }, action = new { type = "command", value = "echo hi" } });
        await ui.Server.WaitFinishedAsync(batch);
        IPage page = await ui.SignedInPageAsync(ApiRole.Viewer);
        await Expect(page.GetByTestId("signed-in-as")).ToContainTextAsync("(viewer)");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "New execution" })).ToHaveCountAsync(0);
        await page.GotoAsync("/runs/" + batch);
        await Expect(page.GetByRole(AriaRole.Progressbar, new() { Name = "Progress" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Cancel run" })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Stop after this batch" })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Retry failed" })).ToHaveCountAsync(0);

        // With the page's own antiforgery token, the viewer's session still gets 403 from the API.
        int create = await page.EvaluateAsync<int>(@"async () => (await fetch('/api/executions/batch', { method: 'POST',
            headers: { 'Content-Type': 'application/json', RequestVerificationToken: document.querySelector('input[name=__RequestVerificationToken]').value },
            body: JSON.stringify({ targetNodeIds: ['t01'], action: { type: 'command', value: 'echo no' } }) })).status");
        Assert.Equal(403, create);
        int cancel = await page.EvaluateAsync<int>(@"async (id) => (await fetch('/api/executions/batch/' + id + '/cancel', { method: 'POST',
            headers: { RequestVerificationToken: document.querySelector('input[name=__RequestVerificationToken]').value } })).status", batch);
        Assert.Equal(403, cancel);
        await page.Context.CloseAsync();
    }
}
