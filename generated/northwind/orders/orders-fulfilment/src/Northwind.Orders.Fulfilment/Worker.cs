namespace Northwind.Orders.Fulfilment;

public sealed class Worker(ILogger<Worker> logger) : BackgroundService
{
    // The pod's probes read this file when the worker has no port: readiness wants it to
    // exist, liveness wants it written within the last two minutes. Keep touching it.
    private const string Heartbeat = "/tmp/healthy";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            logger.LogInformation("{Worker} is running", "orders-fulfilment");
            await File.WriteAllTextAsync(Heartbeat, DateTimeOffset.UtcNow.ToString("O"), stoppingToken);
            await Task.Delay(TimeSpan.FromSeconds(30), stoppingToken);
        }
    }
}
