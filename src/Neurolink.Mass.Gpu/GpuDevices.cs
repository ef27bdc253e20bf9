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

    /// <summary>
    /// The PTX that ILGPU's CUDA backend makes of an implicitly grouped kernel (its first
    /// parameter an <see cref="Index1D"/>) for <paramref name="architecture"/>, on any machine:
    /// no GPU or driver is needed. The CPU accelerator never goes through this backend, so this
    /// is how a machine without a GPU checks that CUDA takes every kernel.
    /// </summary>
    /// <exception cref="Exception">ILGPU's own, naming what the CUDA backend does not support in the kernel.</exception>
    public static string CompilePtx(System.Reflection.MethodInfo kernel, CudaArchitecture architecture)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        using Context context = Context.Create(b => b.Cuda().EnableAlgorithms()); // CreateContext's settings, less the CPU device
        using var backend = new ILGPU.Backends.PTX.PTXBackend(context, architecture, CudaInstructionSet.ISA_78, nvvmAPI: null!); // ILGPU's own PTX generator, as GpuMass uses
        var entry = ILGPU.Backends.EntryPoints.EntryPointDescription.FromImplicitlyGroupedKernel(kernel);
        return ((ILGPU.Backends.PTX.PTXCompiledKernel)backend.Compile(entry, KernelSpecialization.Empty)).PTXAssembly;
    }

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
