using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Neurolink.Mass;

/// <summary>
/// A float per neuron whose first element sits on a 64-byte boundary, so that every vector the
/// update loads at a multiple of sixteen neurons lies in one cache line. A .NET array's elements
/// start 16 bytes after an 8-byte-aligned object, so an array of v, one of ge and one of gi each
/// begin anywhere within a line; then most AVX-512 loads span two lines (and AVX2 loads, for
/// arrays on a 16-byte boundary, every other one). The update's loop over 4000 neurons took
/// 193 ns aligned and 266-268 ns 16 or 32 bytes past a line (UpdateAlignmentBenchmarks in
/// bench/Neurolink.Benchmarks); CUBA at 4000 neurons ran at rtf 0.0080 before and 0.0071 after
/// (2026-12-03, bench/mass.sh's machine). The store is allocated on the pinned object heap,
/// where nothing moves, so the alignment holds for the object's life.
/// </summary>
internal sealed class AlignedFloats
{
    private const int LineFloats = 64 / sizeof(float);

    private readonly float[] _store;
    private readonly int _offset;

    /// <summary>Zeroed floats, <paramref name="length"/> of them.</summary>
    public unsafe AlignedFloats(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _store = GC.AllocateArray<float>(length + LineFloats, pinned: true);
        nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_store));
        _offset = (int)((64 - (address % 64)) % 64 / sizeof(float)); // float elements are 4-byte aligned at least
        Length = length;
    }

    /// <summary>How many floats.</summary>
    public int Length { get; }

    /// <summary>The floats, as a span.</summary>
    public Span<float> Span => new(_store, _offset, Length);

    /// <summary>The first float (on a 64-byte boundary), for loads and stores without bounds checks.</summary>
    public ref float First => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_store), _offset);

    /// <summary>Float <paramref name="i"/>.</summary>
    public ref float this[int i]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if ((uint)i >= (uint)Length)
            {
                ThrowOutOfRange(i);
            }

            return ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_store), _offset + i);
        }
    }

    /// <summary>Floats <paramref name="start"/> to <paramref name="start"/> + <paramref name="length"/>.</summary>
    public Span<float> AsSpan(int start, int length) => Span.Slice(start, length);

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowOutOfRange(int i) => throw new ArgumentOutOfRangeException(nameof(i), i, $"neuron {i} is outside 0..{Length - 1}");
}
