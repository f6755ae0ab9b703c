using Xunit;

namespace Fabrikam.Telemetry.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void GreetsByName() => Assert.Equal("Hello, shipspec!", Greeter.Greet("shipspec"));
}
