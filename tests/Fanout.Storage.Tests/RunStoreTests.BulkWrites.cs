using System.Data.Common;
using System.Text;
using Fanout.Runs;
using Fanout.Security;

namespace Fanout.Storage.Tests;

/// <summary>
/// The store's plain multi-row writes (<c>StoreDatabase.InsertManyAsync</c>: the audit log, a run's selection) on both engines:
/// many rows (one binary COPY on PostgreSQL, one prepared INSERT rebound per row on SQLite), exact values, order, and
/// all-or-nothing with the rest of the write.
/// </summary>
public abstract partial class RunStoreTests
{
    /// <summary>Text the engines must store byte for byte: non-BMP characters, combining marks, right-to-left, quotes and
    /// the characters an array literal would have to escape.</summary>
    protected static readonly string[] AwkwardTexts =
    [
        "", " ", "plain", "ünïcödé", "日本語のテキスト", "emoji 😀🚀 and 𝄞", "e\u0301 combining", "עברית", "\u2028line\u2029sep", "tab\tnew\nline\r\n",
        "quote \" apostrophe ' backslash \\ braces {a,b} NULL", "NULL", "{}", "\"\"", "\u00a0nbsp\ufeffbom", "\U0010FFFF max",
    ];

    private static AuditEntry ManyEntry(int i) => new()
    {
        // Microsecond precision (PostgreSQL's), in assorted offsets: read back as the same instant in UTC.
        Timestamp = T0.AddTicks(i * 10_370L).ToOffset(TimeSpan.FromMinutes(i % 3 == 0 ? 330 : i % 3 == 1 ? -480 : 0)),
        Actor = i % 5 == 0 ? AwkwardTexts[i % AwkwardTexts.Length] + "@host" : "ci",
        Action = i % 2 == 0 ? "execution.start" : "execution.finish",
        BatchId = i % 11 == 0 ? null : "b-" + (i / 1000),
        Target = i % 4 == 0 ? null : $"t{i:D5}-{AwkwardTexts[i % AwkwardTexts.Length]}",
        TargetCount = i % 3 == 0 ? null : i,
        DurationMs = i % 2 == 0 ? null : i * 1.0000001 + 0.1,
        Detail = i % 7 == 0 ? null : AwkwardTexts[(i / 7) % AwkwardTexts.Length],
    };

    private static async Task<IReadOnlyList<AuditEntry>> AllAuditAsync(IAuditStore audit) =>
        await audit.QueryAuditAsync(new AuditQuery { Limit = 1_000_000 }, CancellationToken.None);

    [Fact(Timeout = 120000)]
    public async Task Audit_AppendOfManyEntries_RoundTripsNullsUnicodeLongDetailAndExactTimesInOrder()
    {
        IFanoutStore store = await OpenAsync();
        var entries = Enumerable.Range(0, 12_345).Select(ManyEntry).ToList();

        // Long details (5 million characters each, 4-byte UTF-8 ones among them).
        var longDetail = new StringBuilder();
        while (longDetail.Length < 5_000_000)
        {
            longDetail.Append("0123456789 ünï 😀 日本 ").Append(longDetail.Length);
        }

        for (int k = 0; k < 4; k++)
        {
            entries[100 + k] = entries[100 + k] with { Detail = k + longDetail.ToString() };
        }

        await store.Audit.AppendAuditAsync(entries, CancellationToken.None);

        IReadOnlyList<AuditEntry> read = await AllAuditAsync(store.Audit);
        Assert.Equal(entries.Count, read.Count);
        for (int i = 0; i < entries.Count; i++)
        {
            // Row by row, so a failure names the first row that differs (and a multi-megabyte detail is not printed whole).
            AuditEntry expected = entries[i];
            AuditEntry actual = read[i] with { Id = 0 };
            Assert.True(expected == actual, $"entry {i} differs: expected {Shorten(expected)}, read {Shorten(actual)}");
            Assert.Equal(expected.Timestamp.UtcTicks, actual.Timestamp.UtcTicks);
            Assert.Equal(TimeSpan.Zero, actual.Timestamp.Offset);
        }

        Assert.True(read.Zip(read.Skip(1)).All(p => p.First.Id < p.Second.Id), "ids are not assigned in the entries' order");
    }

    private static string Shorten(AuditEntry e) => (e with { Detail = e.Detail is { Length: > 200 } d ? d[..200] + $"…({d.Length} chars)" : e.Detail }).ToString();

    [Fact(Timeout = 120000)]
    public async Task Audit_AppendWhereOneEntryFails_WritesNoneOfIt()
    {
        IFanoutStore store = await OpenAsync();
        await store.Audit.AppendAuditAsync([ManyEntry(1)], CancellationToken.None);
        var entries = Enumerable.Range(0, 25_000).Select(ManyEntry).ToList();
        entries[^1] = entries[^1] with { Actor = null! }; // actor is NOT NULL: the very last row fails

        await Assert.ThrowsAnyAsync<DbException>(() => store.Audit.AppendAuditAsync(entries, CancellationToken.None));

        AuditEntry only = Assert.Single(await AllAuditAsync(store.Audit));
        Assert.Equal(ManyEntry(1), only with { Id = 0 });
    }

    [Fact(Timeout = 120000)]
    public async Task CreateRun_WithALargeSelection_ReadsBackInOrdinalOrderWithWaves()
    {
        IRunStore store = await OpenAsync();

        // Not in name order (7,919 is prime to 25,000: every number once, shuffled).
        RunTargetRecord[] targets =
        [
            .. Enumerable.Range(0, 25_000).Select(i =>
                new RunTargetRecord($"{AwkwardTexts[i % AwkwardTexts.Length]}-{(i * 7_919) % 25_000:D5}", 1 + ((i / 1000) % 9))),
        ];

        await store.CreateRunAsync(NewRun("big"), targets, CancellationToken.None);

        IReadOnlyList<RunTargetRecord> read = await store.GetRunTargetsAsync("big", CancellationToken.None);
        Assert.Equal(targets.Length, read.Count);
        for (int i = 0; i < targets.Length; i++)
        {
            Assert.True(targets[i] == read[i], $"selection row {i}: expected {targets[i]}, read {read[i]}");
        }
    }

    [Fact(Timeout = 120000)]
    public async Task CreateRun_WhenASelectionRowFails_LeavesNoRunAndNoTargets()
    {
        IRunStore store = await OpenAsync();
        RunTargetRecord[] targets = [.. Enumerable.Range(0, 25_000).Select(i => new RunTargetRecord($"t{i:D5}", 1))];
        targets[^1] = new RunTargetRecord(null!, 1); // target is NOT NULL: the very last row fails, after the run's row and 24,999 others

        await Assert.ThrowsAnyAsync<DbException>(() => store.CreateRunAsync(NewRun("half"), targets, CancellationToken.None));

        Assert.Null(await store.GetRunAsync("half", CancellationToken.None));
        Assert.Empty(await store.GetRunTargetsAsync("half", CancellationToken.None));

        // Nothing was left behind: the same id is created afresh, with exactly its own selection.
        await store.CreateRunAsync(NewRun("half"), Targets("a", "b"), CancellationToken.None);
        Assert.Equal(["a", "b"], (await store.GetRunTargetsAsync("half", CancellationToken.None)).Select(t => t.Target));
    }
}
