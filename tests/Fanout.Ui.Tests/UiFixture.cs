using Microsoft.Extensions.Logging;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Fanout.Security;
using Fanout.Server.Tests;
using Microsoft.Playwright;

namespace Fanout.Ui.Tests;

/// <summary>
/// One real <c>fanout serve</c> (<see cref="ServerHost"/>: SQLite store, local targets t01–t05, n0000–n0024 in group
/// <c>big</c> and p01 with a lifecycle provider that touches started-p01 / stopped-p01) and one headless Debian Chromium driven by Playwright, shared by every UI test (a browser start costs
/// seconds on a loaded machine). Each test opens its own browser context, so cookies never leak between tests.
/// </summary>
public sealed partial class UiFixture : IAsyncLifetime
{
    /// <summary>Debian's Chromium (eng/test-packages.txt). Playwright never downloads a browser here.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    internal ServerHost Server { get; private set; } = null!;

    /// <summary>The server's recent log lines, for failure messages.</summary>
    internal ServerLogBuffer ServerLog { get; } = new();

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where page screenshots go when <c>FANOUT_UI_SCREENSHOTS</c> names a directory (docs/images when docs/ui.md is refreshed).</summary>
    public static string? ScreenshotDirectory => Environment.GetEnvironmentVariable("FANOUT_UI_SCREENSHOTS");

    public async Task InitializeAsync()
    {
        // Server warnings and errors on the console (a failing page shows only "500"): dotnet test --logger "console;verbosity=detailed".
        Server = await ServerHost.StartAsync(bigTargets: 25, withProvider: true, logging: l => l.AddSimpleConsole().SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Information)
            .AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>(level => level >= Microsoft.Extensions.Logging.LogLevel.Warning), logs: ServerLog);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
        });
    }

    public async Task DisposeAsync()
    {
        await Browser.CloseAsync();
        _playwright?.Dispose();
        await Server.DisposeAsync();
    }

    /// <summary>A new browser context and page, signed in through the sign-in page with the token of <paramref name="role"/>.</summary>
    public async Task<IPage> SignedInPageAsync(ApiRole role, int width = 1280)
    {
        IPage page = await NewPageAsync(width);
        await page.GotoAsync("/signin");
        await page.GetByLabel("Token").FillAsync(Server.Tokens[role]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForLoadStateAsync();
        try
        {
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Executions" })).ToBeVisibleAsync();
        }
        catch (PlaywrightException e)
        {
            throw new InvalidOperationException($"signing in as {role.ToWireName()} did not reach the executions page ({page.Url}): {e.Message}\n" +
                $"page: {await page.ContentAsync()}\nserver log:\n{ServerLog.Tail()}", e);
        }

        return page;
    }

    public async Task<IPage> NewPageAsync(int width = 1280)
    {
        IBrowserContext context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Server.Address.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = width, Height = 900 },
            AcceptDownloads = true,
        });
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    /// <summary>
    /// Runs <paramref name="action"/> (a click that makes the page POST to <paramref name="path"/>) and waits for that request's answer:
    /// the test fails with the server's answer when it is not 201, instead of timing out later waiting for a navigation.
    /// </summary>
    public async Task<IResponse> RunAndExpectCreatedAsync(IPage page, Func<Task> action, string path)
    {
        IResponse response;
        try
        {
            response = await page.RunAndWaitForResponseAsync(action,
                r => r.Request.Method == "POST" && new Uri(r.Url).AbsolutePath == path, new() { Timeout = 90_000 });
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"no answer to POST {path}: {e.Message}\nserver log:\n{ServerLog.Tail()}", e);
        }

        if (response.Status != 201)
        {
            Assert.Fail($"POST {path} answered {response.Status}: {await response.TextAsync()}\nserver log:\n{ServerLog.Tail()}");
        }

        return response;
    }

    /// <summary>Waits (up to 60 s) for the page to reach a run page, saying what the server did when it does not.</summary>
    public async Task WaitForRunPageAsync(IPage page)
    {
        try
        {
            // Polled, not WaitForURLAsync: that checks the URL, then waits for a navigation event, and a navigation committed
            // between the two (a loaded machine widens the gap) was never seen, so the wait ran out on the run page itself.
            await Assertions.Expect(page).ToHaveURLAsync(RunPageUrl(), new() { Timeout = 60_000 });
        }
        catch (PlaywrightException e)
        {
            throw new TimeoutException($"the page stayed at {page.Url}: {e.Message}\nserver log:\n{ServerLog.Tail()}", e);
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex("/runs/[^/?#]+$")]
    private static partial System.Text.RegularExpressions.Regex RunPageUrl();

    /// <summary>axe-core on the page as it is now: no serious or critical violation (U5).</summary>
    public static async Task AssertAccessibleAsync(IPage page)
    {
        AxeResult result = await page.RunAxe();
        var bad = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(bad.Count == 0, string.Join("\n", bad.Select(v => $"{v.Impact} {v.Id}: {v.Help} — {string.Join(" | ", v.Nodes.Take(3).Select(n => n.Html))}")));
    }

    public static async Task ScreenshotAsync(IPage page, string name)
    {
        if (ScreenshotDirectory is { Length: > 0 } dir)
        {
            Directory.CreateDirectory(dir);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, name + ".png"), FullPage = true });
        }
    }
}

[CollectionDefinition("ui")]
public sealed class UiCollection : ICollectionFixture<UiFixture>;
