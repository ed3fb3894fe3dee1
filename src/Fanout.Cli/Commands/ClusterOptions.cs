using System.CommandLine;
using System.Net;
using Fanout.Cluster.Hosting;
using Fanout.Storage;

namespace Fanout.Cli.Commands;

/// <summary>The options that make a process a silo of the cluster (<c>fanout worker</c>, <c>fanout serve --role</c>): see docs/scale-out.md.</summary>
internal sealed class ClusterOptions
{
    public Option<string> ClusterId { get; } = new("--cluster-id")
    {
        Description = "Silos with the same PostgreSQL store and cluster id form one cluster",
        DefaultValueFactory = _ => "fanout",
        HelpName = "ID",
    };

    public Option<string> Advertise { get; } = new("--advertise")
    {
        Description = "The IP address other silos reach this one at",
        DefaultValueFactory = _ => "127.0.0.1",
        HelpName = "IP",
    };

    public Option<int> SiloPort { get; } = new("--silo-port")
    {
        Description = "The silo-to-silo TCP port (0: a free one)",
        DefaultValueFactory = _ => 0,
        HelpName = "PORT",
    };

    public Option<string> FailureDetection { get; } = new("--failure-detection")
    {
        Description = "How long a silo may miss heartbeats before it is declared dead (a worker's targets then run elsewhere; a dead coordinator's are stopped)",
        DefaultValueFactory = _ => "10s",
        HelpName = "DURATION",
    };

    public IEnumerable<Option> All => [ClusterId, Advertise, SiloPort, FailureDetection];

    /// <summary>The first of these options (and <paramref name="more"/>) given on the command line, or null: refused where no silo is made.</summary>
    public Option? FirstGiven(ParseResult parsed, params Option[] more) => All.Concat(more).FirstOrDefault(o => parsed.GetResult(o) is { Implicit: false });

    /// <summary>The settings, or the error naming the bad option or a store that cannot hold a cluster.</summary>
    public (ClusterSettings? Settings, string? Error) Bind(ParseResult parsed, CliContext context, string role, int maxTargets)
    {
        StoreLocation location;
        try
        {
            location = StoreLocation.Resolve(parsed.GetValue(CliStore.Option), context.GetEnvironmentVariable);
        }
        catch (StoreException e)
        {
            return (null, e.Message);
        }

        if (!location.IsPostgres)
        {
            return (null, $"a cluster needs a PostgreSQL store (--store postgres://…); {location.Display} is SQLite");
        }

        if (!IPAddress.TryParse(parsed.GetValue(Advertise), out IPAddress? address))
        {
            return (null, $"--advertise '{parsed.GetValue(Advertise)}' is not an IP address");
        }

        if (!Duration.TryParse(parsed.GetValue(FailureDetection), out TimeSpan detection))
        {
            return (null, $"--failure-detection '{parsed.GetValue(FailureDetection)}' is not a duration");
        }

        var settings = new ClusterSettings
        {
            ConnectionString = location.Target,
            ClusterId = parsed.GetValue(ClusterId)!,
            Role = role,
            MaxTargets = maxTargets,
            AdvertisedAddress = address,
            SiloPort = parsed.GetValue(SiloPort),
            FailureDetection = detection,
            Name = $"{role}@{Environment.MachineName}:{Environment.ProcessId}",
        };
        IReadOnlyList<string> problems = settings.Validate();
        return problems.Count > 0 ? (null, string.Join("; ", problems)) : (settings, null);
    }
}
