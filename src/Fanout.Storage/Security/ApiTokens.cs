using System.Security.Cryptography;
using System.Text;

namespace Fanout.Security;

/// <summary>
/// Creates and checks API tokens: <c>fo_</c> + 8 hex lookup characters + <c>_</c> + 43 base64url characters
/// (256 random bits). Only the prefix and the SHA-256 of the whole token are stored; checks compare
/// hashes in constant time.
/// </summary>
public static class ApiTokens
{
    private const string Scheme = "fo_";

    /// <summary>A new random token and its stored form (without name, role and time).</summary>
    public static (string Token, string Prefix, string Hash) Generate()
    {
        string prefix = Scheme + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        string secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        string token = prefix + "_" + secret;
        return (token, prefix, HashOf(token));
    }

    /// <summary>The lookup prefix of <paramref name="token"/>, or <see langword="null"/> when it is not shaped like a Fanout token.</summary>
    public static string? PrefixOf(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        int end = Scheme.Length + 8;
        return token.Length > end + 1 && token.StartsWith(Scheme, StringComparison.Ordinal) && token[end] == '_' ? token[..end] : null;
    }

    /// <summary>The SHA-256 of <paramref name="token"/>, lower-case hex.</summary>
    public static string HashOf(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Whether <paramref name="token"/> hashes to <paramref name="storedHash"/>, compared in constant time.</summary>
    public static bool Matches(string token, string storedHash)
    {
        ArgumentNullException.ThrowIfNull(storedHash);
        byte[] actual = Encoding.ASCII.GetBytes(HashOf(token));
        byte[] expected = Encoding.ASCII.GetBytes(storedHash);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }
}
