namespace Northwind.Orders.Fulfilment;

public sealed class Worker(ILogger<Worker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            logger.LogInformation("{Worker} is running", "orders-fulfilment");
            await Task.Delay(TimeSpan.FromSeconds(30), stoppingToken);
        }
    }
}
