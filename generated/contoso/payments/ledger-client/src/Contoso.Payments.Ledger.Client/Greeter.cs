namespace Contoso.Payments.Ledger.Client;

/// <summary>A starting point for the ledger-client library; replace it.</summary>
public static class Greeter
{
    /// <summary>Returns a greeting for <paramref name="name"/>.</summary>
    public static string Greet(string name) => $"Hello, {name}!";
}
