namespace Neurolink.Protocol.Tests.Vectors;

/// <summary>
/// Every vector in firmware-protocol/vectors, the same files the C reference codec's ctest
/// suite reads, against the C# codec.
/// </summary>
public class VectorTests
{
    public static TheoryData<string> Names() => new(VectorFiles.Names());

    public static TheoryData<string, string> NamesAndChunkings()
    {
        var data = new TheoryData<string, string>();
        foreach (string name in VectorFiles.Names())
        {
            foreach (string chunking in new[] { "whole", "bytewise", "sevens", "random" })
            {
                data.Add(name, chunking);
            }
        }

        return data;
    }

    [Fact]
    public void The_files_on_disk_are_the_catalog()
    {
        bool write = Environment.GetEnvironmentVariable("NEUROLINK_WRITE_VECTORS") == "1";
        var expected = VectorCatalog.All().ToList();
        foreach (TestVector vector in expected)
        {
            string path = Path.Combine(VectorFiles.Directory, vector.Name + ".vec");
            if (write)
            {
                File.WriteAllText(path, vector.ToText());
            }

            Assert.True(File.Exists(path), $"{path} is missing; run the tests once with NEUROLINK_WRITE_VECTORS=1");
            Assert.Equal(vector.ToText(), File.ReadAllText(path));
        }

        Assert.Equal(expected.Select(v => v.Name).Order(), VectorFiles.Names());
    }

    [Theory]
    [MemberData(nameof(NamesAndChunkings))]
    public void The_receiver_delivers_exactly_the_expected_frames_and_counts(string name, string chunking)
    {
        TestVector vector = VectorFiles.Load(name);
        var random = new Random(name.Length * 7919);
        Func<int> next = chunking switch
        {
            "whole" => () => vector.Stream.Length,
            "bytewise" => () => 1,
            "sevens" => () => 7,
            _ => () => random.Next(1, 100),
        };

        var (frames, counters) = Receive.All(vector.Stream, next);

        Assert.Equal(vector.Expect, counters.ToExpectText());
        Assert.Equal(vector.Frames.Count, frames.Count);
        for (int i = 0; i < frames.Count; i++)
        {
            ExpectedFrame want = vector.Frames[i];
            FrameHeader got = frames[i].Header;
            Assert.Equal(want.Type, got.Type);
            Assert.Equal(want.Flags, (ushort)got.Flags);
            Assert.Equal(want.Stream, got.Stream);
            Assert.Equal(want.Sequence, got.Sequence);
            Assert.Equal(want.Clock, got.SampleClock);
            Assert.Equal(want.Payload, frames[i].Payload);
            Assert.True(frames[i].Aligned, $"frame {i} of {name} was delivered at an unaligned address");
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Typed_decoding_renders_the_expected_fields_and_reencodes_byte_exact(string name)
    {
        TestVector vector = VectorFiles.Load(name);
        foreach (ExpectedFrame frame in vector.Frames.Where(f => f.Fields is not null))
        {
            Assert.Equal(frame.Fields, PayloadText.Describe(frame.Type, frame.Payload, out string? error));
            Assert.Null(error);
            Assert.Equal(frame.Payload, PayloadRoundTrip.Reencode(frame.Type, frame.Payload));
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Valid_vectors_are_what_the_encoder_writes(string name)
    {
        TestVector vector = VectorFiles.Load(name);
        if (vector.Kind != TestVector.KindValid)
        {
            return;
        }

        var encoded = new List<byte>();
        foreach (ExpectedFrame f in vector.Frames)
        {
            var bytes = new byte[WireFormat.FrameLength(f.Payload.Length)];
            int length = FrameEncoder.Encode(bytes, f.Type, (FrameFlags)f.Flags, f.Stream, f.Clock, f.Sequence, f.Payload);
            Assert.Equal(bytes.Length, length);
            encoded.AddRange(bytes);
        }

        Assert.Equal(vector.Stream, encoded.ToArray());
    }
}
