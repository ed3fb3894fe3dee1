using System.Reflection;
using Fanout.Runs;

namespace Fanout.Storage.Tests.Cluster;

/// <summary>
/// A run store that answers like the real one until frozen, then never again (every call's task stays pending): what the store
/// sees of a process killed with <c>kill -9</c>, for an in-process coordinator whose silo is killed (the process itself lives on).
/// </summary>
public class FreezableStore : DispatchProxy
{
    private IRunStore _inner = null!;
    private volatile bool _frozen;

    /// <summary>A store over <paramref name="inner"/> and the action that freezes it.</summary>
    public static IRunStore Wrap(IRunStore inner, out Action freeze)
    {
        IRunStore proxy = Create<IRunStore, FreezableStore>();
        var self = (FreezableStore)(object)proxy;
        self._inner = inner;
        freeze = () => self._frozen = true;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (!_frozen)
        {
            return targetMethod.Invoke(_inner, args);
        }

        Type type = targetMethod.ReturnType;
        if (type == typeof(Task))
        {
            return new TaskCompletionSource().Task;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Task<>))
        {
            object source = Activator.CreateInstance(typeof(TaskCompletionSource<>).MakeGenericType(type.GetGenericArguments()[0]))!;
            return source.GetType().GetProperty("Task")!.GetValue(source);
        }

        if (type == typeof(ValueTask))
        {
            return new ValueTask(new TaskCompletionSource().Task);
        }

        return targetMethod.Invoke(_inner, args); // properties (Location, LogDirectory, Workflows) still answer
    }
}
