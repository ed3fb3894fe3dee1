using Fanout.Operations;
using Fanout.Runs;

namespace Fanout.Core.Tests.Runs;

/// <summary>
/// A sync run records its <see cref="SyncOptions"/> themselves (issue 9: one shape, not a mirror type): every field survives the
/// JSON round trip, the source made absolute, and the JSON written by earlier versions (the same field names) is still read.
/// </summary>
public sealed class RunDefinitionSyncTests
{
    [Fact]
    public void ForSync_RoundTripsEveryField_SourceAbsolute()
    {
        var options = new SyncOptions { Source = "payload", Destination = "/srv/app", Delete = true, Excludes = ["*.tmp", "cache/**"], DryRun = true, Force = true };

        SyncOptions recorded = RunDefinition.FromJson(RunDefinition.ForSync(options).ToJson()).Sync!;

        Assert.Equal(Path.GetFullPath("payload"), recorded.Source);
        Assert.Equal((options.Destination, options.Delete, options.DryRun, options.Force), (recorded.Destination, recorded.Delete, recorded.DryRun, recorded.Force));
        Assert.Equal(options.Excludes, recorded.Excludes);
        // Every public property of the options is recorded (a new one added to SyncOptions cannot be forgotten).
        foreach (System.Reflection.PropertyInfo property in typeof(SyncOptions).GetProperties().Where(p => p.GetMethod is { IsStatic: false } && p.Name != nameof(SyncOptions.Source)))
        {
            object? expected = property.GetValue(options);
            object? actual = property.GetValue(recorded);
            Assert.True(expected is System.Collections.IEnumerable e && actual is System.Collections.IEnumerable a ? e.Cast<object>().SequenceEqual(a.Cast<object>()) : Equals(expected, actual), property.Name);
        }
    }

    [Fact]
    public void FromJson_ReadsTheSyncShapeOfEarlierVersions()
    {
        const string Stored = """{"version":2,"kind":"sync","sync":{"source":"/data/payload","destination":"/srv/app","delete":true,"excludes":["*.tmp"],"dryRun":false,"force":false}}""";

        SyncOptions sync = RunDefinition.FromJson(Stored).Sync!;

        Assert.Equal(("/data/payload", "/srv/app", true, false, false), (sync.Source, sync.Destination, sync.Delete, sync.DryRun, sync.Force));
        Assert.Equal(["*.tmp"], sync.Excludes);
    }
}
