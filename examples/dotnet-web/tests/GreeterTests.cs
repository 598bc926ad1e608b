using Xunit;

public class GreeterTests
{
    [Fact]
    public void GreetsByName() => Assert.Equal("Hello, Ada!", Greeter.Greet(" Ada "));

    [Fact]
    public void GreetsNobody() => Assert.Equal("Hello!", Greeter.Greet(""));
}
