namespace Neurolink.Device;

/// <summary>Settings of the headstage driver.</summary>
public sealed record class HeadstageDriverOptions
{
    /// <summary>How long to wait for an answer to one request; 1 ms to 60 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How many times a request that is safe to repeat is resent after a timeout, 0 to 100.</summary>
    public int Retries { get; init; } = 3;

    /// <summary>SCHED_FIFO priority of the reader thread on Linux (0: ordinary scheduling); see <see cref="RealtimeScheduling"/>.</summary>
    public int RealtimePriority { get; init; }

    /// <summary>The CPU the reader thread is pinned to on Linux (-1: not pinned); see <see cref="ThreadPinning"/>.</summary>
    public int Cpu { get; init; } = -1;
}
