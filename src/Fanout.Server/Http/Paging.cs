namespace Fanout.Server.Http;

/// <summary><c>page</c> (from 1) and <c>pageSize</c> (1 to <see cref="ServerOptions.MaxPageSize"/>, default 100) of list endpoints.</summary>
internal static class Paging
{
    public const int DefaultPageSize = 100;

    public static void Check(int? page, int? pageSize, ServerOptions options, Problems.ErrorSet errors)
    {
        if (page is < 1)
        {
            errors.Add("page", $"page must be at least 1 (got {page})");
        }

        if (pageSize is { } size && (size < 1 || size > options.MaxPageSize))
        {
            errors.Add("pageSize", $"pageSize must be between 1 and {options.MaxPageSize} (got {size})");
        }
    }

    /// <summary>The items of the page; 64-bit arithmetic, so a page past the end (however large its number) is empty.</summary>
    public static IReadOnlyList<T> Slice<T>(IEnumerable<T> items, int? page, int? pageSize)
    {
        long size = pageSize ?? DefaultPageSize;
        long skip = ((long)(page ?? 1) - 1) * size;
        return skip > int.MaxValue ? [] : [.. items.Skip((int)skip).Take((int)size)];
    }
}
