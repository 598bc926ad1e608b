using Api;
using Xunit;

public class StockTests
{
    private static readonly Stock Stock = new(new[]
    {
        new Item("W-330", "Wood screw", 2400),
        new Item("B-204", "Brass hinge", 120),
    });

    [Fact]
    public void ListsItemsBySku() =>
        Assert.Equal(new[] { "B-204", "W-330" }, Stock.All().Select(i => i.Sku));

    [Fact]
    public void FindsIgnoringCase() => Assert.Equal(120, Stock.Find("b-204")?.Quantity);

    [Fact]
    public void MissingSkuIsNull() => Assert.Null(Stock.Find("X-000"));
}
