using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;

namespace Neurolink.Benchmarks;

/// <summary>
/// Why the CPU backend's state starts on a cache line (<c>AlignedFloats</c> in Neurolink.Mass):
/// the current-based LIF update's loop (the same operations as <c>CpuMass.UpdateLifCuba</c>'s
/// AVX-512 path: three loads, the exact integration, one store, one comparison) over 4000
/// neurons, its three arrays starting <see cref="OffsetBytes"/> past a 64-byte boundary. A .NET
/// array's elements start 16 bytes into an 8-byte-aligned object, so plain arrays land on any of
/// the offsets. Without AVX-512 the loop runs eight lanes (AVX2), where only 16 and 48 split.
/// </summary>
/// <remarks>dotnet run -c Release --project bench/Neurolink.Benchmarks -- bdn --filter '*UpdateAlignment*'</remarks>
public class UpdateAlignmentBenchmarks
{
    private const int Neurons = 4000;
    private float[] _v = [], _ge = [], _gi = [];
    private int _sv, _se, _si; // each array's first neuron

    /// <summary>How far past a 64-byte boundary each array's first neuron lies.</summary>
    [Params(0, 16, 32)]
    public int OffsetBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // Pinned, so the offset chosen here holds while the benchmark runs.
        _v = GC.AllocateArray<float>(Neurons + 32, pinned: true);
        _ge = GC.AllocateArray<float>(Neurons + 32, pinned: true);
        _gi = GC.AllocateArray<float>(Neurons + 32, pinned: true);
        (_sv, _se, _si) = (StartAt(_v, OffsetBytes), StartAt(_ge, OffsetBytes), StartAt(_gi, OffsetBytes));
        for (int i = 0; i < Neurons; i++)
        {
            _v[_sv + i] = -0.060f + (i * 1e-6f);
            _ge[_se + i] = 0.001f;
            _gi[_si + i] = -0.001f;
        }
    }

    [Benchmark]
    public int Update()
    {
        ref float v0 = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_v), _sv);
        ref float ge0 = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_ge), _se);
        ref float gi0 = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_gi), _si);
        int fired = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> dm = Vector512.Create(0.995f), ke = Vector512.Create(0.0095f), ki = Vector512.Create(0.0095f);
            Vector512<float> el = Vector512.Create(-0.049f), vt = Vector512.Create(10f);
            for (int i = 0; i + 16 <= Neurons; i += 16)
            {
                nuint at = (nuint)i;
                Vector512<float> v = Vector512.LoadUnsafe(ref v0, at);
                Vector512<float> integrated = el + ((v - el) * dm) + (Vector512.LoadUnsafe(ref ge0, at) * ke) + (Vector512.LoadUnsafe(ref gi0, at) * ki);
                integrated.StoreUnsafe(ref v0, at);
                ulong bits = Vector512.GreaterThan(integrated, vt).ExtractMostSignificantBits();
                if (bits != 0)
                {
                    fired += System.Numerics.BitOperations.PopCount(bits);
                }
            }
        }
        else
        {
            Vector256<float> dm = Vector256.Create(0.995f), ke = Vector256.Create(0.0095f), ki = Vector256.Create(0.0095f);
            Vector256<float> el = Vector256.Create(-0.049f), vt = Vector256.Create(10f);
            for (int i = 0; i + 8 <= Neurons; i += 8)
            {
                nuint at = (nuint)i;
                Vector256<float> v = Vector256.LoadUnsafe(ref v0, at);
                Vector256<float> integrated = el + ((v - el) * dm) + (Vector256.LoadUnsafe(ref ge0, at) * ke) + (Vector256.LoadUnsafe(ref gi0, at) * ki);
                integrated.StoreUnsafe(ref v0, at);
                uint bits = Vector256.GreaterThan(integrated, vt).ExtractMostSignificantBits();
                if (bits != 0)
                {
                    fired += System.Numerics.BitOperations.PopCount(bits);
                }
            }
        }

        return fired;
    }

    /// <summary>The index of <paramref name="a"/> whose address lies <paramref name="offsetBytes"/> past a 64-byte boundary.</summary>
    private static int StartAt(float[] a, int offsetBytes)
    {
        long address = Unsafe.ByteOffset(ref Unsafe.NullRef<float>(), ref MemoryMarshal.GetArrayDataReference(a));
        long toLine = (64 - (address % 64)) % 64;
        return (int)(((toLine + offsetBytes) % 64) / sizeof(float));
    }
}
