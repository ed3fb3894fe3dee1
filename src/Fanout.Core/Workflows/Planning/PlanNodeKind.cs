namespace Fanout.Workflows.Planning;

/// <summary>What a plan node does.</summary>
public enum PlanNodeKind
{
    /// <summary>Runs a command.</summary>
    Command,

    /// <summary>Runs an inline script.</summary>
    Script,

    /// <summary>A group of child steps.</summary>
    Group,

    /// <summary>Only waits for manual approval.</summary>
    Approval,
}
