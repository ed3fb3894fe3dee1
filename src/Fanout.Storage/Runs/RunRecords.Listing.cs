using System.Data.Common;
using Fanout.Runs;
using static Fanout.Storage.StoreDatabase;

namespace Fanout.Storage;

/// <summary>The run list (<c>fanout runs</c>, <c>GET /api/runs</c>): filters, newest first, read through the list indexes.</summary>
internal sealed partial class RunRecords
{
    /// <inheritdoc cref="IRunStore"/>
    public async Task<IReadOnlyList<RunRecord>> QueryRunsAsync(RunQuery query, CancellationToken cancellationToken)
    {
        await ownership.DetectInterruptedAsync(cancellationToken).ConfigureAwait(false);
        return await WithConnectionAsync(async connection =>
        {
            await using DbCommand command = Command(connection, null, RunListSql(query, Database.NativeGlob));
            if (query.Status is { } status)
            {
                Param(command, "status", status.ToWireName());
            }

            if (query.Kind is { } kind)
            {
                Param(command, "kind", kind);
            }

            if (query.Name is { } name)
            {
                Param(command, "name", IsGlob(name) ? GlobValue(name, Database.NativeGlob) : name);
            }

            Param(command, "limit", Math.Max(0, query.Limit));
            return await RunRows.ReadAsync(Database, command, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The SQL of a run list: the light <see cref="ListColumns"/>, newest first in the order of the
    /// <c>ix_runs_started_run</c> / <c>ix_runs_status_started</c> indexes (migration 0006), so any limit reads the index in
    /// order and stops — no scan of the table, no sort (tested on the SQLite plan).
    /// </summary>
    /// <param name="query">The query.</param>
    /// <param name="nativeGlob">True for an engine with a case-sensitive <c>GLOB</c> (SQLite); otherwise a glob name is a <c>LIKE</c> with escapes.</param>
    internal static string RunListSql(RunQuery query, bool nativeGlob = true)
    {
        var where = new List<string>();
        if (query.Status is not null)
        {
            where.Add("status = @status");
        }

        if (query.Kind is not null)
        {
            where.Add("kind = @kind");
        }

        if (query.Name is not null)
        {
            where.Add(!IsGlob(query.Name) ? "name = @name" : nativeGlob ? "name GLOB @name" : "name LIKE @name ESCAPE '\\'");
        }

        return $"SELECT {ListColumns} FROM runs{(where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : string.Empty)} " +
            "ORDER BY started_at DESC, run_id DESC LIMIT @limit";
    }

    /// <summary>Whether a name filter is a glob (<c>*</c> or <c>?</c>, see <see cref="RunQuery.Name"/>).</summary>
    internal static bool IsGlob(string name) => name.AsSpan().IndexOfAny('*', '?') >= 0;

    /// <summary>
    /// The parameter value of a glob name: for <c>GLOB</c> only <c>[</c> is escaped (<c>*</c> and <c>?</c> are the glob's);
    /// for <c>LIKE</c> the escape character, <c>%</c> and <c>_</c> are escaped and <c>*</c>/<c>?</c> become <c>%</c>/<c>_</c>.
    /// </summary>
    internal static string GlobValue(string glob, bool nativeGlob)
    {
        var value = new System.Text.StringBuilder(glob.Length + 8);
        foreach (char c in glob)
        {
            _ = (nativeGlob, c) switch
            {
                (true, '[') => value.Append("[[]"),
                (true, _) => value.Append(c),
                (false, '\\' or '%' or '_') => value.Append('\\').Append(c),
                (false, '*') => value.Append('%'),
                (false, '?') => value.Append('_'),
                _ => value.Append(c),
            };
        }

        return value.ToString();
    }
}
