using Api;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddSingleton<Stock>();
var app = builder.Build();

app.MapGet("/", () => Results.Json(new { service = "inventory" }));
app.MapGet("/items", (Stock stock) => Results.Json(stock.All()));
app.MapGet("/items/{sku}", (string sku, Stock stock) =>
    stock.Find(sku) is { } item ? Results.Json(item) : Results.NotFound(new { error = $"no item {sku}" }));
app.MapGet("/healthz", () => "ok\n");

app.Run();
