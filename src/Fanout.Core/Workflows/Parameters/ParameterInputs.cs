namespace Fanout.Workflows.Parameters;

/// <summary>Parameter values as given on the command line (SPEC W2).</summary>
public sealed class ParameterInputs
{
    /// <summary><c>--set KEY=VALUE[,KEY=VALUE…]</c> arguments, in order (later wins). The default value is empty.</summary>
    public IReadOnlyList<string> Set { get; init; } = [];

    /// <summary><c>--set-file KEY=PATH</c> arguments; the file's content is the value. The default value is empty.</summary>
    public IReadOnlyList<string> SetFile { get; init; } = [];

    /// <summary>
    /// <c>--set-env KEY=VARIABLE</c> arguments; the value of the environment variable named VARIABLE (read when the run starts, resumes
    /// or fires) is the value — a reference, so a secret given this way is never stored. The default value is empty.
    /// </summary>
    public IReadOnlyList<string> SetEnv { get; init; } = [];

    /// <summary>Reads an environment variable for <see cref="SetEnv"/>. The default value reads the process environment.</summary>
    public Func<string, string?> ReadVariable { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary><c>-e/--env ENV</c>: sets <c>environment</c>. The default value is null (not set).</summary>
    public string? Environment { get; init; }

    /// <summary>
    /// The <c>--set</c>, <c>--set-file</c> and <c>--set-env</c> arguments as a flat list of option/value pairs
    /// (<c>["--set", "a=1,b=2", "--set-env", "token=VAR"]</c>), the way a schedule stores them so that its fires bind them exactly as
    /// <c>fanout run</c> would. <see cref="Environment"/> is not part of it.
    /// </summary>
    public IReadOnlyList<string> ToArguments() =>
        [.. Set.SelectMany(a => new[] { "--set", a }), .. SetFile.SelectMany(a => new[] { "--set-file", a }), .. SetEnv.SelectMany(a => new[] { "--set-env", a })];

    /// <summary>Reads arguments written by <see cref="ToArguments"/>.</summary>
    /// <exception cref="FanoutException">The list is not option/value pairs of <c>--set</c>, <c>--set-file</c> or <c>--set-env</c>.</exception>
    public static ParameterInputs FromArguments(IReadOnlyList<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        List<string> set = [], setFile = [], setEnv = [];
        for (var i = 0; i < arguments.Count; i += 2)
        {
            var list = arguments[i] switch
            {
                "--set" => set,
                "--set-file" => setFile,
                "--set-env" => setEnv,
                _ => throw new FanoutException($"recorded parameter argument '{arguments[i]}' is not --set, --set-file or --set-env"),
            };
            list.Add(i + 1 < arguments.Count ? arguments[i + 1] : throw new FanoutException($"recorded parameter argument '{arguments[i]}' has no value"));
        }

        return new ParameterInputs { Set = set, SetFile = setFile, SetEnv = setEnv };
    }
}
