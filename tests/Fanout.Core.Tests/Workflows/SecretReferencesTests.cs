using Fanout.Workflows;
using Fanout.Workflows.Model;
using Fanout.Workflows.Parameters;

namespace Fanout.Core.Tests.Workflows;

/// <summary>Secrets are recorded as references or names, never as values (issue 9 item 4).</summary>
public sealed class SecretReferencesTests
{
    private static readonly WorkflowDefinition Workflow = WorkflowParser.Parse("""
        parameters:
          - {name: token, secret: true}
          - {name: services, type: list}
          - {name: note}
        steps:
          - {name: a, command: echo a}
        """).Workflow!;

    [Fact]
    public void Strip_LeavesOutInlineSecretPairs_KeepsTheRestBindingTheSame()
    {
        string[] set = ["services=api,worker,token=s3cret,note=a\\,b", "note=plain", "token=again"];

        (IReadOnlyList<string> recordable, IReadOnlyList<string> inline) = SecretReferences.Strip(Workflow, set);

        Assert.Equal(["token"], inline);
        Assert.DoesNotContain(recordable, a => a.Contains("s3cret", StringComparison.Ordinal) || a.Contains("again", StringComparison.Ordinal));
        Assert.Equal("note=plain", recordable[1]); // an argument without a secret is kept as given
        ParameterBindingResult original = ParameterBinder.Bind(Workflow, new ParameterInputs { Set = set[..1] });
        ParameterBindingResult replayed = ParameterBinder.Bind(Workflow, new ParameterInputs { Set = recordable.Take(1).Append("token=s3cret").ToList() });
        Assert.Equal(TemplateJson(original.Values), TemplateJson(replayed.Values));
    }

    [Fact]
    public void Strip_JsonValuesNextToASecret_AreRecordedAsJsonAndBindTheSame()
    {
        string[] set = ["services=[\"a,b\",\"c\"],token=s3cret,extra={\"x\":1}"];

        (IReadOnlyList<string> recordable, _) = SecretReferences.Strip(Workflow, set);

        ParameterBindingResult original = ParameterBinder.Bind(Workflow, new ParameterInputs { Set = set });
        ParameterBindingResult replayed = ParameterBinder.Bind(Workflow, new ParameterInputs { Set = [.. recordable, "token=s3cret"] });
        Assert.True(original.Success, string.Join("; ", original.Errors));
        Assert.Equal(TemplateJson(original.Values), TemplateJson(replayed.Values));
        Assert.DoesNotContain("s3cret", string.Join(" ", recordable), StringComparison.Ordinal);
    }

    [Fact]
    public void Strip_TreatsARecordedMaskAsAnInlineSecret()
    {
        (IReadOnlyList<string> recordable, IReadOnlyList<string> inline) = SecretReferences.Strip(Workflow, ["token=***", "note=x"]);

        Assert.Equal(["token"], inline);
        Assert.Equal(["note=x"], recordable);
    }

    [Fact]
    public void Missing_NamesSecretsNotGivenAgain()
    {
        Assert.Equal(["token"], SecretReferences.Missing(["token", "key"], ["key=1,note=2"]));
        Assert.Empty(SecretReferences.Missing(["token"], ["note=1,token=x"]));
        Assert.Contains("--set token=VALUE", SecretReferences.MissingMessage("r1", ["token"]), StringComparison.Ordinal);
    }

    [Fact]
    public void SetEnv_ReadsTheNamedVariable_UnsetIsAnErrorNamingIt()
    {
        var variables = new Dictionary<string, string> { ["TOKEN_VAR"] = "from-env" };
        ParameterBindingResult bound = ParameterBinder.Bind(Workflow, new ParameterInputs { SetEnv = ["token=TOKEN_VAR"], ReadVariable = variables.GetValueOrDefault });
        ParameterBindingResult unset = ParameterBinder.Bind(Workflow, new ParameterInputs { SetEnv = ["token=NOPE"], ReadVariable = variables.GetValueOrDefault });
        ParameterBindingResult malformed = ParameterBinder.Bind(Workflow, new ParameterInputs { SetEnv = ["token"], ReadVariable = variables.GetValueOrDefault });

        Assert.Equal("from-env", bound.Values["token"]);
        Assert.Contains("from-env", bound.SecretValues);
        Assert.Equal(["parameter 'token': the environment variable 'NOPE' (--set-env) is not set"], unset.Errors);
        Assert.Equal(["--set-env 'token': expected KEY=VARIABLE"], malformed.Errors);
    }

    [Fact]
    public void Arguments_RoundTrip_UnknownOptionIsRefused()
    {
        var inputs = new ParameterInputs { Set = ["a=1,b=2", "k=x,y"], SetFile = ["f=/tmp/p"], SetEnv = ["e=VAR"] };

        ParameterInputs back = ParameterInputs.FromArguments(inputs.ToArguments());

        Assert.Equal(["--set", "a=1,b=2", "--set", "k=x,y", "--set-file", "f=/tmp/p", "--set-env", "e=VAR"], inputs.ToArguments());
        Assert.Equal(inputs.Set, back.Set);
        Assert.Equal(inputs.SetFile, back.SetFile);
        Assert.Equal(inputs.SetEnv, back.SetEnv);
        Assert.Throws<FanoutException>(() => ParameterInputs.FromArguments(["--bogus", "x"]));
        Assert.Throws<FanoutException>(() => ParameterInputs.FromArguments(["--set"]));
    }

    private static string TemplateJson(IReadOnlyDictionary<string, object?> values) =>
        Fanout.Expressions.TemplateValues.ToJson(values.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => p.Value));
}
