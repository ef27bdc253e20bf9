namespace Neurolink.Mass.Gpu;

/// <summary>Where the GPU backend's kernels run.</summary>
public enum GpuTarget
{
    /// <summary>The first CUDA device (an error when there is none).</summary>
    Cuda,

    /// <summary>ILGPU's CPU accelerator: the same kernels, run on the CPU (slow; for tests and machines without a GPU).</summary>
    CpuAccelerator,
}
