namespace Fanout.Diagnostics;

/// <summary>One validation or parse finding, with the position it refers to.</summary>
/// <param name="Severity">Error or warning.</param>
/// <param name="Position">Where in the source the finding applies.</param>
/// <param name="Message">A human-readable message.</param>
public sealed record Diagnostic(DiagnosticSeverity Severity, SourcePosition Position, string Message)
{
    /// <summary>True when <see cref="Severity"/> is <see cref="DiagnosticSeverity.Error"/>.</summary>
    public bool IsError => Severity == DiagnosticSeverity.Error;

    /// <summary>Creates an error.</summary>
    public static Diagnostic Error(SourcePosition position, string message) => new(DiagnosticSeverity.Error, position, message);

    /// <summary>Creates a warning.</summary>
    public static Diagnostic Warning(SourcePosition position, string message) => new(DiagnosticSeverity.Warning, position, message);

    /// <summary>Formats as <c>file:line:col: error|warning: message</c>.</summary>
    public override string ToString() =>
        $"{Position}: {(IsError ? "error" : "warning")}: {Message}";
}
