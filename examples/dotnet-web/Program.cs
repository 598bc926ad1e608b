var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();

app.MapGet("/", () => Results.Json(new { service = "dotnet-web", greeting = Greeter.Greet("world") }));
app.MapGet("/healthz", () => "ok\n");

app.Run();

public static class Greeter
{
    public static string Greet(string name) =>
        string.IsNullOrWhiteSpace(name) ? "Hello!" : $"Hello, {name.Trim()}!";
}
