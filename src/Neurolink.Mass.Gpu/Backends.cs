using Neurolink.Mass;

namespace Neurolink.Mass.Gpu;

/// <summary>The backends a user can name (<c>--backend</c>, <c>Neurolink:Backend</c>): their names, their help line, and building a mass on one.</summary>
public static class Backends
{
    /// <summary>The help line every command shows for its backend option.</summary>
    public const string Help = "cpu, gpu (CUDA), or ilgpu-cpu (the GPU kernels on ILGPU's CPU accelerator: slow, for checking them)";

    /// <summary>Whether <paramref name="name"/> is cpu, gpu or ilgpu-cpu.</summary>
    public static bool IsKnown(string? name) => name is "cpu" or "gpu" or "ilgpu-cpu";

    /// <summary>What to say of an unknown name, after what the user wrote (the option or setting and its value).</summary>
    public static string Unknown(string given) => $"{given}: write {Help}";

    /// <summary>A mass of <paramref name="network"/> on the backend named (CPU <paramref name="threads"/>: 0 by size).</summary>
    /// <exception cref="ArgumentException">An unknown name.</exception>
    /// <exception cref="NotSupportedException">gpu without a CUDA device.</exception>
    public static ISimulatedMass Create(CompiledNetwork network, string backend, int threads = 0) => backend switch
    {
        "cpu" => new CpuMass(network, threads),
        "gpu" => new GpuMass(network, GpuTarget.Cuda),
        "ilgpu-cpu" => new GpuMass(network, GpuTarget.CpuAccelerator),
        _ => throw new ArgumentException(Unknown($"backend {backend}"), nameof(backend)),
    };
}
