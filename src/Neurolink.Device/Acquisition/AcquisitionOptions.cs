using Neurolink.Protocol.Payloads;

namespace Neurolink.Device.Acquisition;

/// <summary>Settings of an acquisition session.</summary>
public sealed record class AcquisitionOptions
{
    /// <summary>The streams to acquire.</summary>
    public StreamMask Streams { get; init; } = StreamMask.Events | StreamMask.Counts;

    /// <summary>The ring the frames land in.</summary>
    public FrameRingOptions Ring { get; init; } = new();

    /// <summary>The driver's request timeout and retries.</summary>
    public HeadstageDriverOptions Driver { get; init; } = new();

    /// <summary>Reconnect by itself when the link goes down (true), or end the session (false).</summary>
    public bool Reconnect { get; init; } = true;

    /// <summary>First wait before reconnecting; it doubles after each failed attempt.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest wait between reconnection attempts.</summary>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often to PING the device, for the round trip and the clock sync; zero turns it off.</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Called after every (re)connection and before START, on the session's thread: write
    /// registers, arm stimulation programs. The device forgets both when the link drops.
    /// </summary>
    public Action<HeadstageDriver>? Configure { get; init; }

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ArgumentException">A setting out of range, named in the message.</exception>
    public void Validate()
    {
        Ring.Validate();
        if (Streams == 0)
        {
            throw new ArgumentException("no stream to acquire: choose at least one of raw, events and counts", nameof(Streams));
        }

        if (ReconnectDelay <= TimeSpan.Zero || MaxReconnectDelay < ReconnectDelay)
        {
            throw new ArgumentException($"reconnect delays {ReconnectDelay} .. {MaxReconnectDelay} are invalid: the first must be positive and not above the longest", nameof(ReconnectDelay));
        }

        if (PingInterval < TimeSpan.Zero)
        {
            throw new ArgumentException($"ping interval {PingInterval} must not be negative", nameof(PingInterval));
        }
    }
}
