using System.Text;
using Fanout.Workflows.Parameters;

namespace Fanout.Core.Tests.Workflows;

/// <summary>Masking a spilled output file: streamed in chunks, byte-exact apart from the secrets, same result as masking text.</summary>
public sealed class SecretMaskerTests
{
    [Fact]
    public void CopyMasked_BinaryOutputWithSecretsAcrossChunkBoundaries_ReplacesOnlyTheSecrets_KeepingEveryOtherByte()
    {
        var random = new Random(7);
        byte[] secret = Encoding.UTF8.GetBytes("s3cr€t-value");
        var input = new MemoryStream();
        var expected = new MemoryStream();
        // Random bytes (invalid UTF-8 among them) with the secret placed at offsets that straddle the 64 KiB chunks.
        foreach (int gap in new[] { 65_530, 3, 65_536 - 15, 1, 200_000 })
        {
            byte[] noise = new byte[gap];
            random.NextBytes(noise);
            for (int k = 0; k < noise.Length; k++)
            {
                if (noise[k] == (byte)'s')
                {
                    noise[k] = 0xFF; // keep the noise from containing the secret's first byte by chance
                }
            }

            input.Write(noise);
            input.Write(secret);
            expected.Write(noise);
            expected.Write("***"u8);
        }

        var output = new MemoryStream();
        SecretMasker.CopyMasked(new MemoryStream(input.ToArray()), output, ["s3cr€t-value", "", "cr€"]);

        Assert.Equal(expected.ToArray(), output.ToArray());
    }

    [Fact]
    public void CopyMasked_OnUtf8Text_GivesWhatApplyGives_LongestSecretFirst()
    {
        string text = string.Concat(Enumerable.Repeat("token=abcdef; short=abc; ünïcødé=päss\n", 5_000));
        string[] secrets = ["abc", "abcdef", "päss"];
        var output = new MemoryStream();

        SecretMasker.CopyMasked(new MemoryStream(Encoding.UTF8.GetBytes(text)), output, secrets);

        Assert.Equal(SecretMasker.Apply(text, secrets), Encoding.UTF8.GetString(output.ToArray()));
        Assert.DoesNotContain("abc", Encoding.UTF8.GetString(output.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public void CopyMasked_WithoutSecrets_CopiesTheBytes()
    {
        byte[] bytes = [0xC3, 0x28, 0x00, 0xFF, 0x41];
        var output = new MemoryStream();

        SecretMasker.CopyMasked(new MemoryStream(bytes), output, []);

        Assert.Equal(bytes, output.ToArray());
    }
}
