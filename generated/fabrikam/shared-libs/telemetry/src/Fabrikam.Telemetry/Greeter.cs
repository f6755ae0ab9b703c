namespace Fabrikam.Telemetry;

/// <summary>A starting point for the telemetry library; replace it.</summary>
public static class Greeter
{
    /// <summary>Returns a greeting for <paramref name="name"/>.</summary>
    public static string Greet(string name) => $"Hello, {name}!";
}
