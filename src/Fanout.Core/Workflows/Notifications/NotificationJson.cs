using System.Text.Json;
using Fanout.Expressions;

namespace Fanout.Workflows.Notifications;

/// <summary>The JSON body of a notification.</summary>
internal static class NotificationJson
{
    public static string Serialize(WorkflowNotification n)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("event", n.Event);
            writer.WriteString("workflow", n.Workflow);
            writer.WriteString("runId", n.RunId);
            if (n.Step is null)
            {
                writer.WriteNull("step");
            }
            else
            {
                writer.WriteString("step", n.Step);
            }

            writer.WriteString("message", n.Message);
            writer.WriteString("timestamp", n.Timestamp.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
            writer.WritePropertyName("figures");
            writer.WriteRawValue(TemplateValues.ToJson(Figures(n.Figures)));
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static object? Figures(IReadOnlyDictionary<string, object?> figures)
    {
        // Figures come from the engine; a value the template model cannot hold is sent as its text rather than failing the delivery.
        var map = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in figures.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            try
            {
                map[key] = TemplateValues.Normalize(value);
            }
            catch (ArgumentException)
            {
                map[key] = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return map;
    }
}
