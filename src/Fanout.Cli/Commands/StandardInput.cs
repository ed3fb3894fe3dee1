namespace Fanout.Cli.Commands;

/// <summary><c>--stdin</c> (pssh <c>-I</c>): this command's standard input, read once to its end, fed to every target.</summary>
internal static class StandardInput
{
    public static async Task<ReadOnlyMemory<byte>> ReadAsync(CliContext context, CancellationToken cancellationToken)
    {
        Stream input = context.Console.OpenStandardInput();
        await using (input.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            await input.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer.ToArray();
        }
    }
}
