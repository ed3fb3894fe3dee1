using System.Text.Json;
using Fanout.Security;
using Fanout.Server.Tests;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Fanout.Ui.Tests;

/// <summary>A workflow's declared parameters as a typed form, in the new-execution dialog and on the Workflows page (SPEC U2, W2).</summary>
[Collection("ui")]
public sealed class WorkflowFormTests(UiFixture ui)
{
    /// <summary>A workflow whose step on t01 writes the values it was given into <paramref name="seen"/>.</summary>
    private static string Workflow(string name, string seen) => $$$"""
        name: {{{name}}}
        description: writes what it was given on t01
        parameters:
          - {name: version, required: true, description: the release, validation: {pattern: '^[0-9]+[.][0-9]+[.][0-9]+$'}}
          - {name: replicas, type: number, default: 2, validation: {min: 1, max: 9}}
          - {name: canary, type: boolean, default: false}
          - {name: region, default: eu, validation: {allowed: [eu, us]}}
          - {name: services, type: list, default: [api]}
          - {name: api_key, secret: true, default: hunter2}
        steps:
          - name: write
            targets: {pattern: t01}
            command: echo {{ .version }} {{ .replicas }} {{ .canary }} {{ .region }} {{ .services }} {{ .api_key }} {{ .target.name }} > {{{seen}}}
        """;

    private string WriteWorkflow(string name)
    {
        string dir = Path.Combine(ui.Server.Directory, "workflows");
        Directory.CreateDirectory(dir);
        string seen = Path.Combine(ui.Server.Directory, name + ".seen");
        File.WriteAllText(Path.Combine(dir, name + ".yaml"), Workflow(name, seen));
        return seen;
    }

    private async Task<int> RunsNamedAsync(string name) =>
        (await ui.Server.GetJsonAsync($"/api/executions?kind=workflow&search={name}&pageSize=100")).GetProperty("total").GetInt32();

    [Fact]
    public async Task NewExecutionDialog_WorkflowParameters_ATypedForm_ABadValueAtItsField_ThenTheTargetSeesTheValues()
    {
        string seen = WriteWorkflow("formdialog");
        IPage page = await ui.SignedInPageAsync(ApiRole.Operator);
        await page.GetByRole(AriaRole.Button, new() { Name = "New execution" }).ClickAsync();
        ILocator dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "New execution" });
        await dialog.GetByRole(AriaRole.Combobox, new() { Name = "Action type" }).SelectOptionAsync("workflow");
        await dialog.GetByRole(AriaRole.Combobox, new() { Name = "Workflow" }).SelectOptionAsync("formdialog.yaml");

        // Typed inputs: text, number, checkbox, choice, list, and a password that carries no value (the secret default never reaches the page).
        ILocator version = dialog.GetByRole(AriaRole.Textbox, new() { Name = "version (required)" });
        await Expect(version).ToBeVisibleAsync();
        await Expect(dialog.GetByRole(AriaRole.Spinbutton, new() { Name = "replicas" })).ToHaveValueAsync("2");
        await Expect(dialog.GetByRole(AriaRole.Checkbox, new() { Name = "canary" })).Not.ToBeCheckedAsync();
        await Expect(dialog.GetByRole(AriaRole.Combobox, new() { Name = "region" })).ToHaveValueAsync("eu");
        await Expect(dialog.GetByRole(AriaRole.Textbox, new() { Name = "services" })).ToHaveValueAsync("api");
        ILocator secret = dialog.Locator("input[data-param=api_key]");
        await Expect(secret).ToHaveAttributeAsync("type", "password");
        await Expect(secret).ToHaveValueAsync("");
        Assert.DoesNotContain("hunter2", await page.ContentAsync(), StringComparison.Ordinal);

        // A bad value: the API's problem is shown at its field, and nothing ran.
        int before = await RunsNamedAsync("formdialog");
        await version.FillAsync("latest");
        ILocator run = dialog.GetByRole(AriaRole.Button, new() { Name = "Run", Exact = true });
        await run.ClickAsync();
        ILocator versionError = dialog.Locator("[data-param-error=version]");
        await Expect(versionError).ToContainTextAsync("does not match");
        await Expect(version).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(version).ToBeFocusedAsync();
        await UiFixture.AssertAccessibleAsync(page);
        await UiFixture.ScreenshotAsync(page, "workflow-parameters");
        Assert.Equal(before, await RunsNamedAsync("formdialog"));
        Assert.False(File.Exists(seen));

        await version.FillAsync("1.2.3");
        await dialog.GetByRole(AriaRole.Spinbutton, new() { Name = "replicas" }).FillAsync("3");
        await dialog.GetByRole(AriaRole.Checkbox, new() { Name = "canary" }).CheckAsync();
        await dialog.GetByRole(AriaRole.Combobox, new() { Name = "region" }).SelectOptionAsync("us");
        await dialog.GetByRole(AriaRole.Textbox, new() { Name = "services" }).FillAsync("api, web");
        await secret.FillAsync("typed-key");
        await ui.RunAndExpectCreatedAsync(page, () => run.ClickAsync(), "/api/executions/batch");
        await ui.WaitForRunPageAsync(page);
        Assert.Equal("1.2.3 3 true us api web typed-key t01", await ServerHost.WaitForFileAsync(seen));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task WorkflowsPage_RunWithTheParameterForm_OutOfRangeShownAtItsField_ThenRunsWithTheValues()
    {
        string seen = WriteWorkflow("formpage");
        IPage page = await ui.SignedInPageAsync(ApiRole.Operator);
        await page.GotoAsync("/workflows/formpage.yaml");
        ILocator form = page.Locator("#run-workflow-form");
        ILocator runButton = page.GetByRole(AriaRole.Button, new() { Name = "Run workflow" });

        // Required and left empty, and a number above its maximum: each problem at its own field; nothing ran.
        await form.GetByRole(AriaRole.Spinbutton, new() { Name = "replicas" }).FillAsync("42");
        await runButton.ClickAsync();
        await Expect(form.Locator("[data-param-error=version]")).ToContainTextAsync("is required");
        await Expect(form.Locator("[data-param-error=replicas]")).ToContainTextAsync("at most 9");
        await Expect(form.GetByRole(AriaRole.Spinbutton, new() { Name = "replicas" })).ToHaveAttributeAsync("aria-invalid", "true");
        await UiFixture.AssertAccessibleAsync(page);
        Assert.Equal(0, await RunsNamedAsync("formpage"));

        await form.GetByRole(AriaRole.Textbox, new() { Name = "version (required)" }).FillAsync("2.0.0");
        await form.GetByRole(AriaRole.Spinbutton, new() { Name = "replicas" }).FillAsync("4");
        await ui.RunAndExpectCreatedAsync(page, () => runButton.ClickAsync(), "/api/workflows/run");
        await ui.WaitForRunPageAsync(page);
        // Defaults apply to what was not changed; the secret's default is used on the server without ever reaching the page.
        Assert.Equal("2.0.0 4 false eu api hunter2 t01", await ServerHost.WaitForFileAsync(seen));
        JsonElement runs = await ui.Server.GetJsonAsync("/api/executions?kind=workflow&search=formpage&pageSize=10");
        Assert.Equal(1, runs.GetProperty("total").GetInt32());
        await page.Context.CloseAsync();
    }
}
