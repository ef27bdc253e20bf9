using System.Diagnostics;
using Neurolink.Device.Acquisition;
using Neurolink.Protocol.Payloads;
using Neurolink.Transport;

namespace Neurolink.Cli;

/// <summary>Acquisition that only counts (neurolink probe, the rig checks): every stream, a PING every 10 ms, every frame read and released at once.</summary>
internal static class Soak
{
    /// <summary>
    /// Acquires from links given by <paramref name="open"/> for <paramref name="seconds"/>, or
    /// until cancelled or the link is gone for good; with <paramref name="settle"/>, a link that
    /// is down at the end gets up to 10 s more to come back before the counts are read. Returns
    /// the stopped session (its counters, capabilities, clock and round trips stay readable; the
    /// caller disposes it) and how long it ran.
    /// </summary>
    public static (AcquisitionSession Session, double Seconds) Run(Func<ITransport> open, double seconds, bool settle = false, CancellationToken cancellationToken = default)
    {
        var session = new AcquisitionSession(_ => open(), new AcquisitionOptions
        {
            Streams = StreamMask.Raw | StreamMask.Events | StreamMask.Counts,
            PingInterval = TimeSpan.FromMilliseconds(10),
        });
        try
        {
            using RingConsumer consumer = session.Ring.AddConsumer("soak");
            session.Start();
            var watch = Stopwatch.StartNew();
            bool Running() => !cancellationToken.IsCancellationRequested && session.State != LinkState.Ended;
            while (Running() && (watch.Elapsed.TotalSeconds < seconds || (settle && session.State == LinkState.Reconnecting && watch.Elapsed.TotalSeconds < seconds + 10)))
            {
                if (consumer.WaitForData(TimeSpan.FromMilliseconds(10), CancellationToken.None))
                {
                    while (consumer.TryRead(out _))
                    {
                    }
                }
            }

            session.Stop();
            while (consumer.TryRead(out _))
            {
            }

            return (session, watch.Elapsed.TotalSeconds);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }
}
