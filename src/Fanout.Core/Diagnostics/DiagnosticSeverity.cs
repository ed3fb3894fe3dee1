namespace Fanout.Diagnostics;

/// <summary>How serious a <see cref="Diagnostic"/> is.</summary>
public enum DiagnosticSeverity
{
    /// <summary>Worth a look; does not stop a run.</summary>
    Warning,

    /// <summary>Stops the run before anything executes.</summary>
    Error,
}
