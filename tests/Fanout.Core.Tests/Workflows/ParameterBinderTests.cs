using Fanout.Workflows;
using Fanout.Workflows.Parameters;

namespace Fanout.Core.Tests.Workflows;

public sealed class ParameterBinderTests
{
    private const string Workflow = """
        parameters:
          - name: version
            required: true
            validation: {pattern: '^v[0-9]+$'}
          - name: services
            type: list
            default: [api]
            validation: {allowed: [api, worker, web], max_items: 2}
          - name: replicas
            type: number
            default: 2
            validation: {min: 1, max: 5}
          - name: dry
            type: boolean
            default: false
          - name: config
            type: object
          - name: token
            secret: true
          - name: note
        steps:
          - name: a
            command: echo a
        """;

    private static ParameterBindingResult Bind(params string[] sets) =>
        ParameterBinder.Bind(WorkflowParser.Parse(Workflow).Workflow!, new ParameterInputs { Set = sets });

    [Theory]
    [InlineData("a=1", "a", "1")]
    [InlineData("services=api,worker", "services", "[\"api\",\"worker\"]")]
    [InlineData("a=x,y,b=2", "a", "[\"x\",\"y\"]")]
    [InlineData("a=x,y,b=2", "b", "2")]
    [InlineData("a=one\\,two", "a", "one,two")]
    [InlineData("a=k=v", "a", "k=v")]
    [InlineData("a=", "a", "")]
    [InlineData("items=[\"a\",\"b\"]", "items", "[\"a\",\"b\"]")]
    [InlineData("items=[\"a,b\", \"c\"],env=production", "items", "[\"a,b\",\"c\"]")]
    [InlineData("items=[\"a,b\", \"c\"],env=production", "env", "production")]
    [InlineData("env=production,items=[]", "items", "[]")]
    [InlineData("opts={\"a\":1,\"b\":[2,3]},x=y", "opts", "{\"a\":1,\"b\":[2,3]}")]
    [InlineData("a=[x,y]", "a", "[\"[x\",\"y]\"]")]
    [InlineData("a=\\[\"x\"]", "a", "[\"x\"]")]
    [InlineData("a=\\{\"k\":1},b=2", "a", "{\"k\":1}")]
    [InlineData("a=x\\[y", "a", "x\\[y")]
    public void SetArgument_Parse_SplitsPairsAndLists(string argument, string key, string expectedJson)
    {
        var pairs = SetArgument.Parse(argument, out var error);

        Assert.Null(error);
        var value = pairs.Single(p => p.Key == key).Value;
        Assert.Equal(expectedJson, value is string s ? s : Fanout.Expressions.TemplateValues.ToJson(value));
    }

    [Fact]
    public void SetArgument_FromJson_KeepsEachJsonKind_AStringNeverBecomesAListOrAMap()
    {
        using var doc = System.Text.Json.JsonDocument.Parse("""
            {"s": "[\"a\"]", "t": "{\"k\": 1}", "c": "one,two", "o": {"k": [1, "x,y"]}, "l": ["a,b", "[1]"], "n": 3, "b": true, "z": null}
            """);
        var values = doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());

        var set = SetArgument.FromJson(values, out var invalid);
        var parsed = set.SelectMany(a => SetArgument.Parse(a, out var error) is var pairs && error is null ? pairs : throw new InvalidOperationException(error))
            .ToDictionary(p => p.Key, p => p.Value);

        Assert.Equal(["z"], invalid);
        Assert.Equal("[\"a\"]", parsed["s"]);
        Assert.Equal("{\"k\": 1}", parsed["t"]);
        Assert.Equal("one,two", parsed["c"]);
        Assert.Equal("{\"k\":[1,\"x,y\"]}", Fanout.Expressions.TemplateValues.ToJson(parsed["o"]));
        Assert.Equal(new List<object?> { "a,b", "[1]" }, parsed["l"]);
        Assert.Equal("3", parsed["n"]);
        Assert.Equal("true", parsed["b"]);
    }

    [Fact]
    public void Bind_JsonListForm_IsOneListValueEvenWithCommasInside()
    {
        var result = Bind("version=v1,services=[\"api\",\"worker\"],replicas=3");

        Assert.True(result.Success, string.Join("\n", result.Errors));
        Assert.Equal(new List<object?> { "api", "worker" }, result.Values["services"]);
        Assert.Equal(3L, result.Values["replicas"]);
    }

    [Fact]
    public void Bind_UndefinedEnvironment_IsAnErrorBeforeAnythingRuns_UnlessGivenOrReadThroughDefault()
    {
        var workflow = WorkflowParser.Parse("""
            steps:
              - name: a
                command: echo {{ .environment }} {{ .extra | default "none" }} {{ default "x" .other }}
            """, "wf.yaml").Workflow!;

        var missing = ParameterBinder.Bind(workflow, new ParameterInputs());
        var given = ParameterBinder.Bind(workflow, new ParameterInputs { Environment = "production" });
        var validated = Fanout.Workflows.Validation.WorkflowValidator.Validate(workflow);

        Assert.Equal(["wf.yaml:3:22: undefined name '.environment': give it with -e ENV (or --set environment=VALUE), or declare it as a parameter with a default"], missing.Errors);
        Assert.True(given.Success, string.Join("\n", given.Errors));
        var warning = Assert.Single(validated); // the same name warns at validation; the names read through default do not
        Assert.Contains("'environment' is not a declared parameter; it must be given with -e ENV", warning.Message);
    }

    [Fact]
    public void SetArgument_Parse_WithoutKey_IsAnError()
    {
        SetArgument.Parse("just-a-value", out var error);

        Assert.Equal("--set 'just-a-value': expected KEY=VALUE", error);
    }

    [Fact]
    public void Bind_ValidValues_ConvertsTypesAndKeepsUndeclared()
    {
        var result = Bind("version=v3,services=api,worker", "replicas=4,dry=yes", "config={\"a\":1}", "extra=x");

        Assert.True(result.Success, string.Join("\n", result.Errors));
        Assert.Equal("v3", result.Values["version"]);
        Assert.Equal(new List<object?> { "api", "worker" }, result.Values["services"]);
        Assert.Equal(4L, result.Values["replicas"]);
        Assert.Equal(true, result.Values["dry"]);
        Assert.Equal(1L, ((IReadOnlyDictionary<string, object?>)result.Values["config"]!)["a"]);
        Assert.Equal("x", result.Values["extra"]);
        Assert.Null(result.Values["note"]);
    }

    [Fact]
    public void Bind_Defaults_AreUsedWhenNotGiven()
    {
        var result = Bind("version=v1");

        Assert.True(result.Success, string.Join("\n", result.Errors));
        Assert.Equal(new List<object?> { "api" }, result.Values["services"]);
        Assert.Equal(2L, result.Values["replicas"]);
        Assert.Equal(false, result.Values["dry"]);
    }

    [Fact]
    public void Bind_InvalidValues_ReportsEveryProblemNamingTheParameter()
    {
        var result = Bind("services=api,db", "replicas=9,dry=perhaps,config=[1]");

        Assert.Equal(
            [
                "parameter 'version' is required (give it with --set version=VALUE)",
                "parameter 'services': 'db' is not one of the allowed values (api, worker, web)",
                "parameter 'replicas': must be at most 5, got 9",
                "parameter 'dry': expected true or false, got 'perhaps'",
                "parameter 'config': expected an object, got a list",
            ],
            result.Errors);
    }

    [Fact]
    public void Bind_PatternAndItemCount_AreChecked()
    {
        Assert.Equal(["parameter 'version': '3' does not match the pattern ^v[0-9]+$"], Bind("version=3").Errors);
        Assert.Equal(["parameter 'services': allows at most 2 item(s), got 3"], Bind("version=v1,services=api,web,worker").Errors);
        Assert.Equal(["parameter 'replicas': expected a number, got 'lots'"], Bind("version=v1,replicas=lots").Errors);
    }

    [Fact]
    public void Bind_SetFileAndEnvironment_AreApplied()
    {
        var wf = WorkflowParser.Parse(Workflow).Workflow!;

        var result = ParameterBinder.Bind(
            wf,
            new ParameterInputs { Set = ["version=v1"], SetFile = ["note=/notes.txt"], Environment = "staging" },
            path => path == "/notes.txt" ? "line one\nline two\n" : throw new FileNotFoundException(path));

        Assert.True(result.Success, string.Join("\n", result.Errors));
        Assert.Equal("line one\nline two", result.Values["note"]);
        Assert.Equal("staging", result.Values["environment"]);
    }

    [Fact]
    public void Bind_Secret_IsReportedForMasking()
    {
        var result = Bind("version=v1,token=s3cr3t");

        Assert.Equal(["s3cr3t"], result.SecretValues);
        Assert.Equal("curl -H 'Authorization: ***'", SecretMasker.Apply("curl -H 'Authorization: s3cr3t'", result.SecretValues));
    }
}
