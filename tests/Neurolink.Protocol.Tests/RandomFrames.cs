using CsCheck;

namespace Neurolink.Protocol.Tests;

/// <summary>Generators of random frames and streams for the property tests.</summary>
public static class RandomFrames
{
    /// <summary>A frame's fields and payload, and its encoding.</summary>
    public sealed record Spec(byte Type, FrameFlags Flags, ushort Stream, ulong Clock, uint Sequence, byte[] Payload)
    {
        public byte[] Encode()
        {
            var bytes = new byte[WireFormat.FrameLength(Payload.Length)];
            FrameEncoder.Encode(bytes, Type, Flags, Stream, Clock, Sequence, Payload);
            return bytes;
        }
    }

    private static readonly byte[] s_knownTypes = Enum.GetValues<FrameType>().Select(t => (byte)t).ToArray();

    /// <summary>Any known type, any header values, payloads of 0..3000 bytes.</summary>
    public static readonly Gen<Spec> Frame =
        Gen.Select(
            Gen.OneOfConst(s_knownTypes),
            Gen.UShort[0, 1],
            Gen.UShort,
            Gen.ULong,
            Gen.UInt,
            Gen.Byte.Array[0, 3000],
            (type, flags, stream, clock, seq, payload) => new Spec(type, (FrameFlags)flags, stream, clock, seq, payload));

    /// <summary>A stream of frames on one stream address with consecutive sequence numbers.</summary>
    public static readonly Gen<Spec[]> Run =
        Gen.Select(Gen.Int[1, 12], Gen.UInt, Gen.Byte.Array[0, 600].Array[12], (count, first, payloads) =>
            Enumerable.Range(0, count)
                .Select(i => new Spec((byte)FrameType.RawSamples, FrameFlags.DeviceToHost, 1, (ulong)i * 32, first + (uint)i, payloads[i]))
                .ToArray());
}
