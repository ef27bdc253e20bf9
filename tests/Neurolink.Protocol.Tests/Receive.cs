namespace Neurolink.Protocol.Tests;

/// <summary>A frame copied out of the deframer's buffer, so tests can keep it.</summary>
public sealed record ReceivedFrame(FrameHeader Header, byte[] Payload, bool Aligned);

/// <summary>Feeds bytes to a <see cref="Deframer"/> in chosen chunks and collects what it delivers.</summary>
public static class Receive
{
    public static (List<ReceivedFrame> Frames, DeframerCounters Counters) All(byte[] stream, Func<int> nextChunk, DeframerOptions? options = null)
    {
        using var deframer = new Deframer(options);
        var frames = new List<ReceivedFrame>();
        int offset = 0;
        while (offset < stream.Length)
        {
            int chunk = Math.Min(Math.Max(1, nextChunk()), stream.Length - offset);
            while (chunk > 0)
            {
                int taken = deframer.Write(stream.AsSpan(offset, chunk));
                offset += taken;
                chunk -= taken;
                Drain(deframer, frames);
            }
        }

        Drain(deframer, frames);
        deframer.Complete();
        Drain(deframer, frames);
        Assert.Equal(0, deframer.BufferedBytes);
        return (frames, deframer.Counters);
    }

    public static (List<ReceivedFrame> Frames, DeframerCounters Counters) All(byte[] stream) => All(stream, () => stream.Length);

    private static unsafe void Drain(Deframer deframer, List<ReceivedFrame> frames)
    {
        while (deframer.TryRead(out Frame frame))
        {
            bool aligned;
            fixed (byte* p = frame.Payload)
            {
                aligned = ((nuint)p & 7) == 0;
            }

            frames.Add(new ReceivedFrame(frame.Header, frame.Payload.ToArray(), aligned));
        }
    }
}
