using System.Globalization;
using System.Text;
using Fanout.Documents;

namespace Fanout.Cli.Rendering;

/// <summary>CSV rows in the one dialect of every document (<see cref="DocumentWriter.WriteRow"/>: RFC 4180, <c>\r\n</c>).</summary>
internal static class Csv
{
    public static void WriteRow(TextWriter writer, params IEnumerable<string?> fields)
    {
        var row = new StringBuilder();
        DocumentWriter.WriteRow(row, fields);
        writer.Write(row.ToString());
    }

    public static string Format(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? string.Empty;
}
