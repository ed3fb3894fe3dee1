using System.Text.Json;
using System.Text.RegularExpressions;

namespace Fanout.Storage.Tests.Cli;

/// <summary>
/// One set of documents (issue 9 item 6): <c>fanout export</c> writes the same bytes as <c>exec --output json|csv</c> for the
/// same run — same operation name, duration format, rounding and line endings — apart from timestamps and measured durations
/// (the store keeps times, the live run measures them); and history's figures agree between the table and the JSON.
/// Through the real executable.
/// </summary>
public sealed partial class DocumentEquivalenceTests : IDisposable
{
    // Every outcome a document can carry: output with commas, quotes and line breaks; a failure with stderr; a timeout.
    private const string Mixed = "case $FANOUT_TARGET in t000) printf 'a,\"b\"\\nline 2\\n';; t001) echo oops >&2; exit 3;; t002) sleep 30;; esac";

    private readonly string _dir = Directory.CreateTempSubdirectory("fanout-docs-").FullName;
    private readonly string _store;
    private readonly string _inventory;

    public DocumentEquivalenceTests()
    {
        _store = Path.Combine(_dir, "store.db");
        _inventory = FanoutProcess.WriteInventory(_dir, 5);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Task<FanoutProcess.Result> Fanout(params string[] args) => FanoutProcess.RunAsync(_dir, [.. args, "--store", _store]);

    [Fact(Timeout = 120000)]
    public async Task Export_Json_EqualsExecOutputJson_ApartFromTimestamps()
    {
        FanoutProcess.Result exec = await Fanout("exec", Mixed, "-i", _inventory, "--all", "--yes", "-q", "--timeout", "2s", "-o", "json");
        Assert.True(exec.ExitCode == 1, $"exec exited {exec.ExitCode}: {exec.Stderr}");
        string id = JsonDocument.Parse(exec.Stdout).RootElement.GetProperty("runId").GetString()!;

        FanoutProcess.Result export = await Fanout("export", id, "--format", "json");

        Assert.Equal(0, export.ExitCode);
        Assert.Equal(NormalizeJson(exec.Stdout), NormalizeJson(export.Stdout));
        JsonElement doc = JsonDocument.Parse(export.Stdout).RootElement;
        Assert.Equal("exec", doc.GetProperty("operation").GetString());
        Assert.Equal((3, 1, 1), (doc.GetProperty("summary").GetProperty("succeeded").GetInt32(), doc.GetProperty("summary").GetProperty("failed").GetInt32(),
            doc.GetProperty("summary").GetProperty("timedOut").GetInt32()));
        Assert.DoesNotContain("\r", export.Stdout, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task Export_Csv_EqualsExecOutputCsv_ApartFromTimestamps()
    {
        FanoutProcess.Result exec = await Fanout("exec", Mixed, "-i", _inventory, "--all", "--yes", "-q", "--timeout", "2s", "-o", "csv");
        Assert.True(exec.ExitCode == 1, $"exec exited {exec.ExitCode}: {exec.Stderr}");
        FanoutProcess.Result history = await Fanout("history", "-o", "json", "--limit", "1");
        string id = JsonDocument.Parse(history.Stdout).RootElement.GetProperty("runs")[0].GetProperty("runId").GetString()!;

        FanoutProcess.Result export = await Fanout("export", id, "--format", "csv");

        Assert.Equal(0, export.ExitCode);
        Assert.Equal(NormalizeCsv(exec.Stdout), NormalizeCsv(export.Stdout));
        Assert.StartsWith("target,state,exitCode,attempts,wave,startedAt,durationMs,stdout,stderr,error\r\n", export.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"a,\"\"b\"\"\nline 2\n\"", export.Stdout, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task History_FailFastRun_FailedCountsOnlyFailures_TableHasCancelledAndNotRunColumns()
    {
        // One failure stops scheduling: the other targets are not run, and must not be counted as failed anywhere.
        FanoutProcess.Result exec = await Fanout("exec", "test $FANOUT_TARGET != t000", "-i", _inventory, "--all", "--yes", "-q", "-p", "1", "--fail-fast", "-o", "json");
        Assert.True(exec.ExitCode == 1, $"exec exited {exec.ExitCode}: {exec.Stderr}");

        FanoutProcess.Result json = await Fanout("history", "-o", "json");
        FanoutProcess.Result table = await Fanout("history");

        JsonElement run = JsonDocument.Parse(json.Stdout).RootElement.GetProperty("runs")[0];
        Assert.Equal((5, 0, 1, 4), (run.GetProperty("total").GetInt32(), run.GetProperty("succeeded").GetInt32(), run.GetProperty("failed").GetInt32(),
            run.GetProperty("notRun").GetInt32()));
        Assert.Equal(0, table.ExitCode);
        string header = table.Stdout.Split('\n').First(l => l.Contains("Run", StringComparison.Ordinal));
        Assert.Contains("Cancelled", header, StringComparison.Ordinal);
        Assert.Contains("Not run", header, StringComparison.Ordinal);
        string row = table.Stdout.Split('\n').First(l => l.Contains("exec", StringComparison.Ordinal));
        string[] cells = [.. row.Split('│', StringSplitOptions.TrimEntries).Where(c => c.Length > 0)];
        Assert.Equal(["5", "0", "1", "0", "4"], cells[^5..]);
    }

    private static string NormalizeJson(string json) =>
        Timestamp().Replace(Regex.Replace(json, "\"durationMs\": [0-9.]+", "\"durationMs\": D"), "T");

    // CSV: the startedAt and durationMs columns (6th and 7th) hold a time and a measure.
    private static string NormalizeCsv(string csv) => Regex.Replace(Timestamp().Replace(csv, "T"), ",T,[0-9.]+,", ",T,D,");

    [GeneratedRegex(@"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")]
    private static partial Regex Timestamp();
}
