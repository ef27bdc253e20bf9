namespace Neurolink.Mass.Gpu;

/// <summary>Options of the GPU backend.</summary>
public sealed record class GpuMassOptions
{
    /// <summary>Steps per spike-record block (0: about 16 MiB of bits per block, between 10 and 1000 steps).</summary>
    public int RecordBlockSteps { get; init; }

    /// <summary>Warps of 32 threads in the delivery grid (0: 32 per multiprocessor on CUDA, 4 on the CPU accelerator).</summary>
    public int DeliveryWarps { get; init; }

    /// <summary>
    /// Receives every spike-record block, on the stepping thread, one block after the GPU has
    /// written it (the copy to page-locked host memory overlaps the next block's steps), and the
    /// rest at <see cref="GpuMass.FlushSpikes"/> or disposal. Null: the bits stay on the device.
    /// </summary>
    public SpikeBlockHandler? OnSpikes { get; init; }
}
