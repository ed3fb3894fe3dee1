using Fanout.Execution;

namespace Fanout.Server.Batches;

/// <summary>One event of a batch as sent over SSE: the store's sequence number, the SSE event name, the stored JSON payload, and for <c>target-finished</c> the target and its state.</summary>
internal sealed record LiveEvent(long Sequence, string Name, string Payload, TargetState? Finished, string? Target = null)
{
    /// <summary>The SSE event name for a stored event type: <c>TargetFinished</c> → <c>target-finished</c>, <c>RunFinished</c> → <c>batch-finished</c>.</summary>
    public static string NameOf(string type)
    {
        if (type == "RunFinished")
        {
            return "batch-finished";
        }

        var name = new System.Text.StringBuilder(type.Length + 4);
        foreach (char c in type)
        {
            if (char.IsUpper(c) && name.Length > 0)
            {
                name.Append('-');
            }

            name.Append(char.ToLowerInvariant(c));
        }

        return name.ToString();
    }
}
