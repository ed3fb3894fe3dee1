using Fanout.Output;

namespace Fanout.Operations;

/// <summary>What one execution of an operation on one target produced. Failures are data, not exceptions.</summary>
public sealed record OperationResult
{
    /// <summary>Whether the operation succeeded.</summary>
    public required bool Success { get; init; }

    /// <summary>The process exit code when the operation ran one, else <see langword="null"/>.</summary>
    public int? ExitCode { get; init; }

    /// <summary>Captured standard output.</summary>
    public CapturedOutput Stdout { get; init; } = CapturedOutput.Empty;

    /// <summary>Captured standard error.</summary>
    public CapturedOutput Stderr { get; init; } = CapturedOutput.Empty;

    /// <summary>A one-line description of the failure, or <see langword="null"/>.</summary>
    public string? Error { get; init; }

    /// <summary>Whether the operation deliberately did nothing on this target (for example a condition was false); the target is reported as <c>skipped</c>.</summary>
    public bool Skipped { get; init; }

    /// <summary>Operation-specific figures (for example files copied by sync), or <see langword="null"/>.</summary>
    public IReadOnlyDictionary<string, object?>? Data { get; init; }

    /// <summary>A successful result.</summary>
    public static OperationResult Succeeded(int? exitCode = 0) => new() { Success = true, ExitCode = exitCode };

    /// <summary>A skipped result: the target is reported as <c>skipped</c>, which counts as neither success nor failure.</summary>
    public static OperationResult Skip(string? reason = null) => new() { Success = true, Skipped = true, Error = reason };

    /// <summary>A failed result with an error message.</summary>
    public static OperationResult Failed(string error, int? exitCode = null) => new() { Success = false, Error = error, ExitCode = exitCode };
}
