using System.Reflection;
using ILGPU;
using ILGPU.Runtime.Cuda;
using Neurolink.Mass.Gpu;

namespace Neurolink.Learning.Tests;

/// <summary>
/// Every e-prop kernel compiles to PTX for the H200 (sm_90) on a machine with no GPU: ILGPU's CUDA
/// backend makes the GPU code, and the CPU accelerator the other tests run on never goes through
/// it (see <see cref="GpuDevices.CompilePtx"/>). It does not run the code: GpuEPropNetworkTests does, on CUDA where there is a GPU.
/// </summary>
public class EPropCudaCompileTests
{
    public static TheoryData<string> KernelNames() => [.. KernelMethods().Select(m => m.Name)];

    [Theory]
    [MemberData(nameof(KernelNames))]
    public void The_kernel_compiles_to_ptx_for_sm_90(string name)
    {
        string ptx = GpuDevices.CompilePtx(KernelMethods().Single(m => m.Name == name), CudaArchitecture.SM_90);

        Assert.Contains($".entry Kernel_{name}(", ptx, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_kernel_the_network_loads_is_compiled_here()
    {
        Assert.Equal(["Eligibility", "Features", "Hidden", "LearnHidden", "LearnOutputs", "Outputs", "Presynaptic"], KernelMethods().Select(m => m.Name).Order());
    }

    private static IEnumerable<MethodInfo> KernelMethods() =>
        typeof(EPropKernels).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m.GetParameters() is [{ ParameterType: var first }, ..] && first == typeof(Index1D));
}
