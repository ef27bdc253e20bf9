using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace Neurolink.Mass.Gpu;

/// <summary>Opening the accelerator a GPU backend runs on: the same context and the same error for every kernel set.</summary>
public static class GpuDevices
{
    /// <summary>An ILGPU context with CUDA, the CPU accelerator (4 threads a warp) and the algorithms library.</summary>
    public static Context CreateContext() => Context.Create(b => b.Cuda().CPU(new CPUDevice(4, 1, 1)).EnableAlgorithms().Profiling());

    /// <summary>The first CUDA device, or ILGPU's CPU accelerator.</summary>
    /// <exception cref="NotSupportedException">No CUDA device for <see cref="GpuTarget.Cuda"/> (says what to use instead).</exception>
    public static Accelerator Open(Context context, GpuTarget target)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (target == GpuTarget.CpuAccelerator)
        {
            return context.CreateCPUAccelerator(0);
        }

        if (context.GetCudaDevices().Count == 0)
        {
            throw new NotSupportedException("no CUDA device found (none attached, or no NVIDIA driver: `nvidia-smi` should list one); run on the CPU backend (--backend cpu), or test the GPU kernels on ILGPU's CPU accelerator (--backend ilgpu-cpu)");
        }

        return context.CreateCudaAccelerator(0);
    }

    /// <summary>A context and its accelerator on <paramref name="target"/>; the caller disposes both (the accelerator first).</summary>
    /// <exception cref="NotSupportedException">No CUDA device for <see cref="GpuTarget.Cuda"/>.</exception>
    public static (Context Context, Accelerator Accelerator) Create(GpuTarget target)
    {
        Context context = CreateContext();
        try
        {
            return (context, Open(context, target));
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>"cuda: name" or "ilgpu-cpu: name".</summary>
    public static string Describe(Accelerator accelerator)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        return $"{(accelerator.AcceleratorType == AcceleratorType.Cuda ? "cuda" : "ilgpu-cpu")}: {accelerator.Name}";
    }
}
