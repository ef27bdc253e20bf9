using System.Reflection;
using ILGPU;
using ILGPU.Runtime.Cuda;
using Neurolink.Mass.Gpu;

namespace Neurolink.Mass.Tests;

/// <summary>
/// Every kernel of the GPU backend compiles to PTX for the H200 (sm_90; ILGPU 1.5.3 emits sm_80 code for it), on a
/// machine with no GPU: ILGPU's CUDA backend is what turns the kernels into GPU code, and the
/// CPU accelerator, which runs them in the other tests, never goes through it. This catches a
/// kernel that the CUDA backend refuses (an unsupported type or call in the kernel or in its
/// arguments) before a GPU is lent; it does not run the code (GpuBackendTests does that, on
/// CUDA where there is a GPU).
/// </summary>
public class CudaCompileTests
{
    public static TheoryData<string> KernelNames() => [.. KernelMethods().Select(m => m.Name)];

    [Theory]
    [MemberData(nameof(KernelNames))]
    public void The_kernel_compiles_to_ptx_for_sm_90(string name)
    {
        MethodInfo kernel = KernelMethods().Single(m => m.Name == name);

        string ptx = GpuDevices.CompilePtx(kernel, CudaArchitecture.SM_90);

        // ILGPU names the target it generates for (sm_80 features at most, here) and the kernel's entry.
        Assert.Matches(@"\.target sm_[89]\d", ptx);
        Assert.Contains($".entry Kernel_{name}(", ptx, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_kernel_the_backend_loads_is_compiled_here()
    {
        // The kernels are the public static methods of Kernels; GpuMass loads each of them.
        Assert.Equal(["Deliver", "Inject", "Potentiate", "SettleAll", "Update"], KernelMethods().Select(m => m.Name).Order());
    }

    private static IEnumerable<MethodInfo> KernelMethods() =>
        typeof(Kernels).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m.GetParameters() is [{ ParameterType: var first }, ..] && first == typeof(Index1D));
}
