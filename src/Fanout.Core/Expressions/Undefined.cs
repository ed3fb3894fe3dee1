namespace Fanout.Expressions;

/// <summary>
/// The result of reading a name that does not exist. It may flow into <c>default</c>; any other use
/// (output, comparison, function argument) is a render error naming <see cref="Name"/>.
/// </summary>
internal sealed class Undefined(string name)
{
    public string Name { get; } = name;
}
