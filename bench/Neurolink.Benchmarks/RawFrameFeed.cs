using Neurolink.Protocol;
using Neurolink.Protocol.Payloads;

namespace Neurolink.Benchmarks;

/// <summary>
/// The benchmark input: RAW_SAMPLES frames of 1024 channels x 32 samples, back to back, as a
/// headstage would send them, and the two ways of taking them in: a plain copy and the deframer.
/// </summary>
public sealed class RawFrameFeed : IDisposable
{
    public const int Channels = 1024;
    public const int Samples = 32;
    public const int ReadSize = 65_536;

    private readonly byte[] _copyTarget = GC.AllocateUninitializedArray<byte>(256 * 1024, pinned: true);
    private readonly Deframer _deframer = new();

    public RawFrameFeed(int frames)
    {
        var random = new Random(1);
        var samples = new short[Channels * Samples];
        for (int i = 0; i < samples.Length; i++)
        {
            samples[i] = (short)random.Next(-200, 200);
        }

        int frameLength = WireFormat.FrameLength(RawSamples.PayloadLengthFor(Channels, Samples));
        Bytes = GC.AllocateUninitializedArray<byte>(frames * frameLength, pinned: true);
        for (int i = 0; i < frames; i++)
        {
            FrameEncoder.Encode(Bytes.AsSpan(i * frameLength), new RawSamples(0, Channels, Samples, samples), FrameFlags.DeviceToHost, 1, (ulong)(i * Samples), (uint)i);
        }

        Frames = frames;
    }

    public byte[] Bytes { get; }

    public int Frames { get; }

    /// <summary>The baseline: the same bytes, in the same 64 KiB reads, copied into a 256 KiB ring that stays in cache.</summary>
    public int Copy()
    {
        int ring = 0;
        for (int offset = 0; offset < Bytes.Length; offset += ReadSize)
        {
            int n = Math.Min(ReadSize, Bytes.Length - offset);
            if (ring + n > _copyTarget.Length)
            {
                ring = 0;
            }

            Bytes.AsSpan(offset, n).CopyTo(_copyTarget.AsSpan(ring));
            ring += n;
        }

        return _copyTarget[ring - 1];
    }

    /// <summary>The same reads into the deframer, which finds, CRC-checks and hands out every frame.</summary>
    public long Deframe()
    {
        long frames = 0;
        for (int offset = 0; offset < Bytes.Length;)
        {
            Span<byte> space = _deframer.GetWriteSpan(ReadSize);
            int n = Math.Min(Math.Min(ReadSize, space.Length), Bytes.Length - offset);
            Bytes.AsSpan(offset, n).CopyTo(space);
            _deframer.Advance(n);
            offset += n;
            while (_deframer.TryRead(out Frame frame))
            {
                frames += frame.Payload[8];
                frames++;
            }
        }

        return frames;
    }

    /// <summary>Counters of the deframer so far, to check that the stream deframed cleanly.</summary>
    public DeframerCounters Counters => _deframer.Counters;

    public void Dispose() => _deframer.Dispose();
}
