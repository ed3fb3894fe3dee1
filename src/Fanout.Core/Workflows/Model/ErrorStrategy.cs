namespace Fanout.Workflows.Model;

/// <summary>The workflow-wide reaction to a failed step (W9 <c>error_handling.strategy</c>).</summary>
public enum ErrorStrategy
{
    /// <summary>Stop at the first failed step (the default).</summary>
    FailFast,

    /// <summary>Record the failure and run the remaining steps.</summary>
    ContinueOnError,

    /// <summary>Retry failed steps <c>max_retries</c> times (steps without their own <c>retry:</c>).</summary>
    Retry,
}
