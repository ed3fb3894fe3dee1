namespace Fanout.Storage.Tests;

public sealed class StoreLocationTests
{
    private static Func<string, string?> Env(params (string Key, string Value)[] vars) =>
        key => vars.FirstOrDefault(v => v.Key == key).Value;

    [Fact]
    public void Resolve_NothingGiven_UsesXdgDataHome()
    {
        StoreLocation l = StoreLocation.Resolve(null, Env(("XDG_DATA_HOME", "/data"), ("HOME", "/home/u")));

        Assert.False(l.IsPostgres);
        Assert.Equal("/data/fanout/fanout.db", l.Target);
        Assert.Equal("/data/fanout/logs", l.LogDirectory);
    }

    [Fact]
    public void Resolve_NoXdg_UsesLocalShare()
    {
        Assert.Equal("/home/u/.local/share/fanout/fanout.db", StoreLocation.Resolve(null, Env(("HOME", "/home/u"))).Target);
    }

    [Fact]
    public void Resolve_EnvironmentVariable_UsedWhenNoOption_OptionWins()
    {
        Func<string, string?> env = Env(("FANOUT_STORE", "postgres://bob@db.example:6543/runs"), ("HOME", "/home/u"));

        Assert.True(StoreLocation.Resolve(null, env).IsPostgres);
        Assert.Equal("/tmp/x.db", StoreLocation.Resolve("/tmp/x.db", env).Target);
        Assert.Equal("/tmp/x-logs", StoreLocation.Resolve("/tmp/x.db", env).LogDirectory);
    }

    [Fact]
    public void ToConnectionString_FullUrl_MapsEveryPart_DisplayHidesPassword()
    {
        (string cs, string display) = StoreLocation.ToConnectionString("postgresql://bob:s%40cret@db.example:6543/runs?sslmode=disable&Timeout=7");

        var b = new Npgsql.NpgsqlConnectionStringBuilder(cs);
        Assert.Equal(("db.example", 6543, "runs", "bob", "s@cret", 7), (b.Host, b.Port, b.Database, b.Username, b.Password, b.Timeout));
        Assert.Equal(Npgsql.SslMode.Disable, b.SslMode);
        Assert.Equal("postgres://bob@db.example:6543/runs", display);
        Assert.DoesNotContain("cret", display, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgres://host")]
    [InlineData("postgres:///db")]
    [InlineData("postgres://u@h/db?nonsense=1")]
    public void ToConnectionString_Malformed_ThrowsStoreExceptionNamingTheUrl(string url)
    {
        var e = Assert.Throws<StoreException>(() => StoreLocation.ToConnectionString(url));

        Assert.Contains("invalid PostgreSQL store URL", e.Message, StringComparison.Ordinal);
    }
}
