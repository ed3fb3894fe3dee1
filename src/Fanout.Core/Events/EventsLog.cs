using Microsoft.Extensions.Logging;

namespace Fanout.Events;

/// <summary>Compile-time log messages of the events feature (STYLE 13).</summary>
internal static partial class EventsLog
{
    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "A progress callback threw; the run goes on")]
    public static partial void CallbackFailed(ILogger logger, Exception exception);
}
