using System.Runtime.CompilerServices;

namespace Neurolink.Mass.Tests;

/// <summary>The state's arrays start on a cache line, whatever their length and whatever the collector does meanwhile.</summary>
public class AlignedFloatsTests
{
    private static long Address(AlignedFloats a) => Unsafe.ByteOffset(ref Unsafe.NullRef<float>(), ref a.First);

    [Fact]
    public void Every_length_starts_on_a_64_byte_boundary_zeroed_and_stays_there_across_collections()
    {
        var all = new List<(AlignedFloats Floats, long Address)>();
        var garbage = new List<object>();
        for (int length = 0; length < 200; length++)
        {
            garbage.Add(new byte[(length * 7) + 1]); // other objects in between, of every size
            var a = new AlignedFloats(length);
            Assert.Equal(0, Address(a) % 64);
            Assert.Equal(length, a.Length);
            Assert.Equal(length, a.Span.Length);
            Assert.All(a.Span.ToArray(), f => Assert.Equal(0f, f));
            all.Add((a, Address(a)));
        }

        garbage.Clear();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        Assert.All(all, x => Assert.Equal(x.Address, Address(x.Floats)));
    }

    [Fact]
    public void The_indexer_the_span_and_the_first_element_are_the_same_floats()
    {
        var a = new AlignedFloats(37);
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = i * 0.5f;
        }

        Assert.Equal(Enumerable.Range(0, 37).Select(i => i * 0.5f), a.Span.ToArray());
        Assert.Equal(Enumerable.Range(10, 5).Select(i => i * 0.5f), a.AsSpan(10, 5).ToArray());
        a.First = -1f;
        Assert.Equal(-1f, a[0]);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(37)]
    [InlineData(53)] // inside the store's padding, outside the floats
    public void An_index_outside_the_floats_is_refused_with_the_range(int index)
    {
        var a = new AlignedFloats(37);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => a[index]);
        Assert.Contains($"neuron {index} is outside 0..36", e.Message, StringComparison.Ordinal);
    }
}
