using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Northwind.Orders.Fulfilment.Tests;

public sealed class SmokeTests
{
    [Fact]
    public async Task WorkerStopsWhenCancelled()
    {
        using var worker = new Worker(NullLogger<Worker>.Instance);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await worker.StartAsync(cancellation.Token);
        await worker.StopAsync(CancellationToken.None);
    }
}
