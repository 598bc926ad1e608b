namespace Api;

public record Item(string Sku, string Name, int Quantity);

/// <summary>The items in stock, read from appsettings.json's "Stock" section.</summary>
public class Stock
{
    private readonly Dictionary<string, Item> _items;

    public Stock(IConfiguration config)
        : this(config.GetSection("Stock").Get<List<Item>>() ?? new List<Item>())
    {
    }

    public Stock(IEnumerable<Item> items)
    {
        _items = items.ToDictionary(i => i.Sku, StringComparer.OrdinalIgnoreCase);
    }

    public IReadOnlyList<Item> All() => _items.Values.OrderBy(i => i.Sku, StringComparer.Ordinal).ToList();

    public Item? Find(string sku) => _items.TryGetValue(sku, out var item) ? item : null;
}
