using System.Globalization;
using System.Text;

namespace Fanout.Server.Observability;

/// <summary>A Prometheus histogram (cumulative buckets, sum, count), thread-safe.</summary>
internal sealed class Histogram(string name, string help, double[] bounds)
{
    private readonly long[] _buckets = new long[bounds.Length];
    private readonly object _lock = new();
    private double _sum;
    private long _count;

    public void Observe(double value)
    {
        lock (_lock)
        {
            for (int i = 0; i < bounds.Length; i++)
            {
                if (value <= bounds[i])
                {
                    _buckets[i]++;
                }
            }

            _sum += value;
            _count++;
        }
    }

    public void WriteTo(StringBuilder text)
    {
        lock (_lock)
        {
            text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} histogram\n");
            for (int i = 0; i < bounds.Length; i++)
            {
                text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{le=\"{bounds[i]}\"}} {_buckets[i]}\n");
            }

            text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{le=\"+Inf\"}} {_count}\n{name}_sum {_sum}\n{name}_count {_count}\n");
        }
    }
}
