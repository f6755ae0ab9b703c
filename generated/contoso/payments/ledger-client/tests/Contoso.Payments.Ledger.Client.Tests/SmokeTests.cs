using Xunit;

namespace Contoso.Payments.Ledger.Client.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void GreetsByName() => Assert.Equal("Hello, shipspec!", Greeter.Greet("shipspec"));
}
