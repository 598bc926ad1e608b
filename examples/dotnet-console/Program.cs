// Prints the Roman numerals of the numbers given, or of a few sample years.
var numbers = args.Length > 0 ? args.Select(int.Parse).ToArray() : new[] { 1666, 1984, 2024 };
foreach (var n in numbers)
{
    Console.WriteLine($"{n,5}  {Roman.From(n)}");
}

static class Roman
{
    private static readonly (int Value, string Symbol)[] Table =
    {
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    };

    public static string From(int n)
    {
        if (n is < 1 or > 3999)
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, "Roman numerals run from 1 to 3999");
        }
        var sb = new System.Text.StringBuilder();
        foreach (var (value, symbol) in Table)
        {
            for (; n >= value; n -= value)
            {
                sb.Append(symbol);
            }
        }
        return sb.ToString();
    }
}
