using System.Text;

namespace Neurolink.Protocol.Tests;

public class Crc32CTests
{
    [Fact]
    public void Check_value_of_123456789_is_E3069283()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute(Encoding.ASCII.GetBytes("123456789")));
        Assert.Equal(0xE3069283u, ~Crc32C.UpdateTable(0xFFFFFFFFu, Encoding.ASCII.GetBytes("123456789")));
    }

    [Fact]
    public void Empty_input_has_crc_zero() => Assert.Equal(0u, Crc32C.Compute([]));

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(255)]
    [InlineData(767)]
    [InlineData(768)]
    [InlineData(769)]
    [InlineData(24_575)]
    [InlineData(24_576)]
    [InlineData(24_577)]
    [InlineData(65_584)]
    [InlineData(200_003)]
    public void The_fast_path_agrees_with_the_table_at_every_length_and_offset(int length)
    {
        var data = new byte[length + 3];
        new Random(length).NextBytes(data);
        for (int offset = 0; offset < 3; offset++)
        {
            ReadOnlySpan<byte> slice = data.AsSpan(offset, length);
            Assert.Equal(~Crc32C.UpdateTable(0xFFFFFFFFu, slice), Crc32C.Compute(slice));
        }
    }

    [Fact]
    public void Updating_in_pieces_equals_computing_at_once()
    {
        var data = new byte[100_000];
        new Random(5).NextBytes(data);
        uint state = 0xFFFFFFFFu;
        state = Crc32C.Update(state, data.AsSpan(0, 30_001));
        state = Crc32C.Update(state, data.AsSpan(30_001, 7));
        state = Crc32C.Update(state, data.AsSpan(30_008));
        Assert.Equal(Crc32C.Compute(data), ~state);
    }
}
