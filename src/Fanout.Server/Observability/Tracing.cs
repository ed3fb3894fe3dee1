using System.Diagnostics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Fanout.Server.Observability;

/// <summary>
/// OpenTelemetry traces (SPEC A6), on only when an OTLP exporter is configured (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>):
/// a span per HTTP request and a <c>batch</c> span per batch run (tagged with its id, target count and final status).
/// </summary>
internal static class Tracing
{
    public const string SourceName = "Fanout.Server";

    public static ActivitySource Source { get; } = new(SourceName);

    public static void AddIfConfigured(IServiceCollection services, Func<string, string?> environment)
    {
        if (string.IsNullOrWhiteSpace(environment("OTEL_EXPORTER_OTLP_ENDPOINT")))
        {
            return;
        }

        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("fanout"))
            .WithTracing(t => t.AddSource(SourceName).AddAspNetCoreInstrumentation().AddOtlpExporter());
    }
}
