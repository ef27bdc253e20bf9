namespace Neurolink.Device.Acquisition;

/// <summary>What the ring does when it is full because a consumer has not kept up.</summary>
public enum SlowConsumerPolicy
{
    /// <summary>
    /// The producer (the reader thread) waits for room, up to <see cref="FrameRingOptions.MaxWait"/>,
    /// then drops the frame. Waiting holds back the link, so the device's FIFO absorbs the burst
    /// (and reports GAP frames if it overflows). Waits and drops are counted.
    /// </summary>
    Wait,

    /// <summary>The newest frame is dropped at once, and counted; the link is never held back.</summary>
    DropNewest,
}

/// <summary>Settings of the acquisition ring.</summary>
public sealed record class FrameRingOptions
{
    /// <summary>Smallest ring: room for two frames of the largest size the protocol allows.</summary>
    public const int MinCapacityBytes = 4 << 20;

    /// <summary>Ring size in bytes, rounded up to a power of two; at least 4 MiB. 64 MiB holds 170 ms of 6144 channels at 30 kHz.</summary>
    public int CapacityBytes { get; init; } = 64 << 20;

    /// <summary>What happens when a consumer is too slow.</summary>
    public SlowConsumerPolicy Policy { get; init; } = SlowConsumerPolicy.Wait;

    /// <summary>Longest wait for room under <see cref="SlowConsumerPolicy.Wait"/> before a frame is dropped.</summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Allocates the ring's memory; a GPU backend supplies page-locked memory here.</summary>
    public HostMemoryAllocator Allocator { get; init; } = NativeHostMemory.Allocate;

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ArgumentException">A setting out of range, named in the message.</exception>
    public void Validate()
    {
        if (CapacityBytes < MinCapacityBytes)
        {
            throw new ArgumentException($"ring capacity {CapacityBytes} bytes is too small: it must be at least {MinCapacityBytes} bytes (two frames of the largest size)", nameof(CapacityBytes));
        }

        if (CapacityBytes > 1 << 30)
        {
            throw new ArgumentException($"ring capacity {CapacityBytes} bytes is too large: at most 1 GiB", nameof(CapacityBytes));
        }

        if (MaxWait < TimeSpan.Zero || MaxWait > TimeSpan.FromSeconds(10))
        {
            throw new ArgumentException($"ring MaxWait {MaxWait} must be between 0 and 10 s", nameof(MaxWait));
        }
    }
}
