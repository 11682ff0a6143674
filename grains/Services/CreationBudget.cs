namespace Flotilla.Grains.Services;

/// <summary>
/// How many new tasks this silo's services may have in creation at once (written, then handed to their node). A
/// service takes what it can for its next batch and gives it back when the batch is done; one that gets nothing looks
/// again a little later, between turns, so it keeps answering while it waits. Without a bound, a hundred services of
/// a thousand replicas queue a hundred thousand writes at once, and calls waiting behind them time out.
/// </summary>
public sealed class CreationBudget
{
    public const int Limit = 400;

    private int _available = Limit;

    /// <summary>Up to <paramref name="wanted"/>; possibly none.</summary>
    public int Take(int wanted)
    {
        while (true)
        {
            var available = Volatile.Read(ref _available);
            var granted = Math.Min(wanted, available);
            if (granted <= 0 || Interlocked.CompareExchange(ref _available, available - granted, available) == available)
            {
                return Math.Max(granted, 0);
            }
        }
    }

    public void Return(int granted) => Interlocked.Add(ref _available, granted);
}
