using Flotilla.Grains;
using Npgsql;

namespace Flotilla.Host.Swarm;

/// <summary>
/// A cluster database that is down surfaces as Npgsql's exceptions deep inside Orleans' storage calls; Orleans can't
/// carry those between silos. At every grain's door they become one error the API and other silos understand.
/// </summary>
public sealed class DatabaseErrors : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception e) when (Find(e) is { } cause)
        {
            throw Unavailable(cause);
        }
    }

    /// <summary>
    /// What went wrong with the database, if that is what <paramref name="e"/> is. A grain that fails to activate
    /// (its state could not be read) bypasses call filters, and its Npgsql exception then reaches the caller only as
    /// Orleans' "no codec for Npgsql.…" error: that one counts too.
    /// </summary>
    public static string? Find(Exception e) =>
        Chain(e).OfType<NpgsqlException>().FirstOrDefault()?.Message
        ?? Chain(e).OfType<Orleans.Serialization.CodecNotFoundException>().FirstOrDefault(c => c.Message.Contains("Npgsql.", StringComparison.Ordinal))?.Message;

    public static FlotillaException Unavailable(string cause) => FlotillaException.Unavailable(
        $"The swarm's database is unreachable ({cause}). Running containers keep running; the swarm carries on by itself when the database is back: retry then.");

    private static IEnumerable<Exception> Chain(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            yield return x;
            if (x is AggregateException a)
            {
                foreach (var inner in a.InnerExceptions.SelectMany(Chain))
                {
                    yield return inner;
                }
            }
        }
    }
}
