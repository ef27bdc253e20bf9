using CsCheck;

namespace Neurolink.Protocol.Tests;

/// <summary>
/// Properties of the receiver over random frames, random chunking and random corruption
/// (bit flips, inserted bytes, deleted bytes, truncation).
/// </summary>
public class DeframerPropertyTests
{
    [Fact]
    public void Any_frame_round_trips_through_encoder_and_deframer()
    {
        RandomFrames.Frame.Sample(spec =>
        {
            var (frames, counters) = Receive.All(spec.Encode());
            ReceivedFrame got = Assert.Single(frames);
            Assert.Equal(spec.Type, got.Header.Type);
            Assert.Equal(spec.Flags, got.Header.Flags);
            Assert.Equal(spec.Stream, got.Header.Stream);
            Assert.Equal(spec.Clock, got.Header.SampleClock);
            Assert.Equal(spec.Sequence, got.Header.Sequence);
            Assert.Equal(spec.Payload, got.Payload);
            Assert.Equal(0, counters.DiscardedBytes);
        }, iter: 300);
    }

    [Fact]
    public void Any_chunking_delivers_every_frame_in_order()
    {
        Gen.Select(RandomFrames.Run, Gen.Int[1, 70_000].Array[1, 40]).Sample((run, chunks) =>
        {
            byte[] stream = run.SelectMany(s => s.Encode()).ToArray();
            int next = 0;
            var (frames, counters) = Receive.All(stream, () => chunks[next++ % chunks.Length]);
            Assert.Equal(run.Select(s => s.Payload), frames.Select(f => f.Payload));
            Assert.Equal(run.Select(s => s.Sequence), frames.Select(f => f.Header.Sequence));
            Assert.Equal(new DeframerCounters(run.Length, stream.Length, 0, 0, 0, 0, 0, 0, 0, 0, 0), counters);
            Assert.All(frames, f => Assert.True(f.Aligned));
        }, iter: 200);
    }

    /// <summary>One corruption of a stream, applied inside [Start, Start + Span).</summary>
    public sealed record Corruption(string Kind, int Start, int Span, int Seed);

    private static readonly Gen<Corruption> s_corruption =
        Gen.Select(Gen.OneOfConst("flip", "insert", "delete", "truncate"), Gen.Int[0, 1_000_000], Gen.Int[1, 64], Gen.Int,
            (kind, start, span, seed) => new Corruption(kind, start, span, seed));

    /// <summary>Applies a corruption; returns the new stream and where the damage ends in it.</summary>
    private static (byte[] Stream, int DamageStart, int DamageEnd) Apply(byte[] stream, Corruption c)
    {
        var random = new Random(c.Seed);
        int start = c.Start % stream.Length;
        int span = Math.Min(c.Span, stream.Length - start);
        var bytes = new List<byte>(stream);
        switch (c.Kind)
        {
            case "flip":
                for (int i = 0; i < 1 + (span / 8); i++)
                {
                    int at = start + random.Next(span);
                    bytes[at] ^= (byte)(1 << random.Next(8));
                }

                return ([.. bytes], start, start + span);
            case "insert":
                var noise = new byte[span];
                random.NextBytes(noise);
                bytes.InsertRange(start, noise);
                return ([.. bytes], start, start + span);
            case "delete":
                bytes.RemoveRange(start, span);
                return ([.. bytes], start, start);
            default:
                return (stream[..start], start, start);
        }
    }

    [Fact]
    public void Corruption_never_crashes_never_passes_a_bad_frame_and_loses_no_intact_frame()
    {
        Gen.Select(RandomFrames.Run, s_corruption, Gen.Int[1, 5000]).Sample((run, corruption, chunk) =>
        {
            byte[][] encoded = run.Select(s => s.Encode()).ToArray();
            byte[] original = encoded.SelectMany(b => b).ToArray();
            var (stream, damageStart, damageEnd) = Apply(original, corruption);
            int shift = stream.Length - original.Length;

            var (frames, counters) = Receive.All(stream, () => chunk);

            // Nothing delivered is corrupted: every frame is byte-identical to one that was sent.
            var sent = run.Select(s => Convert.ToHexString(s.Payload) + "/" + s.Sequence).ToHashSet();
            Assert.All(frames, f => Assert.Contains(Convert.ToHexString(f.Payload) + "/" + f.Header.Sequence, sent));

            // Every frame wholly before or wholly after the damaged region is delivered.
            var delivered = frames.Select(f => f.Header.Sequence).ToHashSet();
            int offset = 0;
            for (int i = 0; i < run.Length; i++)
            {
                int begin = offset;
                int end = offset + encoded[i].Length;
                offset = end;
                bool before = end <= damageStart;
                bool after = begin >= damageEnd - shift && begin + shift >= damageEnd && end + shift <= stream.Length;
                if (corruption.Kind != "truncate" && (before || after))
                {
                    Assert.Contains(run[i].Sequence, delivered);
                }
                else if (corruption.Kind == "truncate" && before)
                {
                    Assert.Contains(run[i].Sequence, delivered);
                }
            }

            // Every byte is accounted for: in a delivered frame or discarded.
            long inFrames = frames.Sum(f => (long)WireFormat.FrameLength(f.Payload.Length));
            Assert.Equal(stream.Length, inFrames + counters.DiscardedBytes);
            Assert.Equal(run.Length - frames.Count, counters.FramesLost + MissingAtTheEnds(run, frames));
        }, iter: 2000);
    }

    /// <summary>Frames lost at the very start or end of a run leave no gap between delivered sequence numbers.</summary>
    private static long MissingAtTheEnds(RandomFrames.Spec[] run, List<ReceivedFrame> frames)
    {
        if (frames.Count == 0)
        {
            return run.Length;
        }

        uint first = run[0].Sequence;
        return (frames[0].Header.Sequence - first) + (run[^1].Sequence - frames[^1].Header.Sequence);
    }
}
