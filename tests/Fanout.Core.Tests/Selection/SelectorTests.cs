using Fanout.Inventory;
using Fanout.Selection;
using Inv = Fanout.Inventory.Inventory;

namespace Fanout.Core.Tests.Selection;

public sealed class SelectorTests
{
    private static readonly Inv Fleet = new(
    [
        T("web-01", ["web"], ("env", "prod"), ("role", "web")),
        T("web-02", ["web"], ("env", "staging"), ("role", "web")),
        T("web-03", ["web", "canary"], ("env", "prod"), ("role", "web")),
        T("db-01", ["db"], ("env", "prod"), ("role", "db")),
        T("test-a", [], ("env", "test")),
        T("test-b", [], ("owner", "me")),
    ],
    [new InventoryGroup { Name = "prod", Children = ["web", "db"] }]);

    private static Target T(string name, string[] groups, params (string Key, string Value)[] tags) =>
        new() { Name = name, Groups = groups, Tags = tags.ToDictionary(t => t.Key, t => t.Value) };

    private static List<string> Select(SelectionCriteria criteria) => Selector.Select(Fleet, criteria).Select(t => t.Name).ToList();

    [Theory]
    [InlineData("env=prod", "web-01,web-03,db-01")]
    [InlineData("env=prod,staging", "web-01,web-02,web-03,db-01")]
    [InlineData("owner", "test-b")]
    [InlineData("env!=prod", "web-02,test-a,test-b")]
    [InlineData("env!=prod,test", "web-02,test-b")]
    [InlineData("env=", "")]
    public void Select_Tag_MatchesExpression(string tag, string expected) =>
        Assert.Equal(expected.Split(',', StringSplitOptions.RemoveEmptyEntries), Select(new SelectionCriteria { Tags = [tag] }));

    [Fact]
    public void Select_SeveralTags_AllMustHold() =>
        Assert.Equal(["db-01"], Select(new SelectionCriteria { Tags = ["env=prod", "role!=web"] }));

    [Theory]
    [InlineData("test-*", "test-a,test-b")]
    [InlineData("web-0?", "web-01,web-02,web-03")]
    [InlineData("[dt]*", "db-01,test-a,test-b")]
    [InlineData("[!w]*-0[13]", "db-01")]
    [InlineData("web", "")]
    public void Select_Pattern_ShellGlobOnWholeName(string glob, string expected) =>
        Assert.Equal(expected.Split(',', StringSplitOptions.RemoveEmptyEntries), Select(new SelectionCriteria { Patterns = [glob] }));

    [Fact]
    public void Select_SeveralPatternsAndRegexes_AnyMatches()
    {
        Assert.Equal(["web-01", "test-a"], Select(new SelectionCriteria { Patterns = ["web-01", "test-a"] }));
        Assert.Equal(["web-02", "db-01"], Select(new SelectionCriteria { Regexes = [@"^db", @"-02$"] }));
    }

    [Fact]
    public void Select_Regex_SearchesAnywhereInName() =>
        Assert.Equal(["web-01", "db-01"], Select(new SelectionCriteria { Regexes = [@"\d1$"] }).ToList());

    [Fact]
    public void Select_Groups_AnyGroupIncludingChildren()
    {
        Assert.Equal(["web-01", "web-02", "web-03", "db-01"], Select(new SelectionCriteria { Groups = ["prod"] }));
        Assert.Equal(["web-03", "db-01"], Select(new SelectionCriteria { Groups = ["db", "canary"] }));
        Assert.Equal(["test-a", "test-b"], Select(new SelectionCriteria { Groups = ["ungrouped"] }));
    }

    [Fact]
    public void Select_KindsCombine_WithAnd()
    {
        var criteria = new SelectionCriteria { Groups = ["web"], Tags = ["env=prod"], Excludes = ["*-03"] };
        Assert.Equal(["web-01"], Select(criteria));
    }

    [Fact]
    public void Select_Limit_KeepsAnsibleOrderAndAndsWithOthers()
    {
        Assert.Equal(["db-01", "web-01", "web-02", "web-03"], Select(new SelectionCriteria { Limit = "db:web" }));
        Assert.Equal(["db-01", "web-01", "web-03"], Select(new SelectionCriteria { Limit = "db:web", Tags = ["env=prod"] }));
        Assert.Equal(["web-01", "web-02"], Select(new SelectionCriteria { Limit = "web[0:1]" }));
        Assert.Equal(["web-03"], Select(new SelectionCriteria { Limit = "web[-1]" }));
        Assert.Equal(["web-01", "web-02"], Select(new SelectionCriteria { Limit = "prod:!db:!canary" }));
    }

    [Fact]
    public void Select_AllWithExclude_EverythingElse() =>
        Assert.Equal(["web-01", "web-02", "web-03", "db-01"], Select(new SelectionCriteria { All = true, Excludes = ["test-*"] }));

    [Fact]
    public void Select_NothingMatches_EmptyNotError() =>
        Assert.Empty(Select(new SelectionCriteria { Tags = ["env=none"] }));

    [Fact]
    public void IsEmpty_NoSelectorOrOnlyExcludes_True()
    {
        Assert.True(new SelectionCriteria().IsEmpty);
        Assert.True(new SelectionCriteria { Excludes = ["x"] }.IsEmpty);
        Assert.False(new SelectionCriteria { All = true }.IsEmpty);
        Assert.False(new SelectionCriteria { Limit = "web" }.IsEmpty);
        var ex = Assert.Throws<SelectionException>(() => Select(new SelectionCriteria { Excludes = ["x"] }));
        Assert.Contains("no selector given", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("=prod", "malformed --tag '=prod': the key is empty")]
    [InlineData("!env", "malformed --tag '!env'")]
    public void Select_MalformedTag_ErrorNamesIt(string tag, string expected)
    {
        var ex = Assert.Throws<SelectionException>(() => Select(new SelectionCriteria { Tags = [tag] }));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Select_InvalidRegex_ErrorNamesPattern()
    {
        var ex = Assert.Throws<SelectionException>(() => Select(new SelectionCriteria { Regexes = ["web(("] }));
        Assert.StartsWith("invalid --regex 'web(('", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Select_CatastrophicRegex_TimesOutWithClearError()
    {
        var inventory = new Inv([new Target { Name = new string('a', 40) + "!" }]);
        var criteria = new SelectionCriteria { Regexes = ["^(a+)+$"], RegexTimeout = TimeSpan.FromMilliseconds(20) };
        var ex = Assert.Throws<SelectionException>(() => Selector.Select(inventory, criteria));
        Assert.Contains("--regex '^(a+)+$' timed out after 20 ms", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Select_UnknownGroup_ErrorWithSuggestion()
    {
        var ex = Assert.Throws<SelectionException>(() => Select(new SelectionCriteria { Groups = ["wbe"] }));
        Assert.Equal("unknown --group 'wbe' (did you mean 'web'?)", ex.Message);
    }

    [Theory]
    [InlineData("web:!", "'!' has nothing after '!'")]
    [InlineData("web:&", "'&' has nothing after '&'")]
    [InlineData("~web((", "invalid host list pattern '~web(('")]
    [InlineData("web[7]", "no hosts matched the subscripted pattern 'web[7]'")]
    [InlineData(" , ", "empty --limit pattern")]
    public void Select_MalformedLimit_ErrorNamesBadPart(string limit, string expected)
    {
        var ex = Assert.Throws<SelectionException>(() => Select(new SelectionCriteria { Limit = limit }));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SeveralProblems_ReportsAll()
    {
        var criteria = new SelectionCriteria { Tags = ["=x"], Regexes = ["("], Limit = "a:!" };
        Assert.Equal(3, criteria.Validate().Count);
        Assert.Empty(new SelectionCriteria { Tags = ["a=b"], Limit = "web:&prod" }.Validate());
    }

    [Fact]
    public void Select_LimitLocalhostNotInInventory_ImplicitLocalTarget()
    {
        TargetSet set = Selector.Select(Fleet, new SelectionCriteria { Limit = "localhost" });
        Assert.Equal("localhost", Assert.Single(set).Name);
        Assert.Equal(TransportNames.Local, set[0].Transport);
    }
}
