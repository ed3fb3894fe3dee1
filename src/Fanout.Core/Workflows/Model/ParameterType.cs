namespace Fanout.Workflows.Model;

/// <summary>The declared type of a workflow parameter (W2). <c>array</c> is an alias of <see cref="List"/>.</summary>
public enum ParameterType
{
    /// <summary>Text (the default).</summary>
    String,

    /// <summary>An integer or decimal number.</summary>
    Number,

    /// <summary><c>true</c>/<c>false</c> (also yes/no, 1/0 from the command line).</summary>
    Boolean,

    /// <summary>A list of strings (<c>--set services=api,worker</c>) or a JSON array.</summary>
    List,

    /// <summary>A map (a JSON object on the command line).</summary>
    Object,
}
