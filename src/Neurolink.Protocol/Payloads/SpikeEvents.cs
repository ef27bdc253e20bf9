using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Neurolink.Protocol.Payloads;

/// <summary>SPIKE_EVENTS (SPEC 4.9): the spikes detected in one window, read in place.</summary>
public readonly ref struct SpikeEvents : IFramePayload
{
    /// <summary>Bytes before the events.</summary>
    public const int FixedSize = 8;

    /// <summary>Wraps events for encoding, or as decoded.</summary>
    /// <param name="windowSamples">Length of the window the frame covers, in samples.</param>
    /// <param name="events">The events, in time order, each with an offset below <paramref name="windowSamples"/>.</param>
    public SpikeEvents(uint windowSamples, ReadOnlySpan<SpikeEvent> events)
    {
        if (events.Length > ushort.MaxValue)
        {
            throw new ArgumentException($"{events.Length} events do not fit one frame (at most 65535)", nameof(events));
        }

        WindowSamples = windowSamples;
        Events = events;
    }

    /// <summary>Length of the window this frame covers, in samples.</summary>
    public uint WindowSamples { get; }

    /// <summary>The events, in time order.</summary>
    public ReadOnlySpan<SpikeEvent> Events { get; }

    /// <inheritdoc/>
    public static FrameType Type => FrameType.SpikeEvents;

    /// <inheritdoc/>
    public int PayloadLength => FixedSize + (8 * Events.Length);

    /// <inheritdoc/>
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(destination, (ushort)Events.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], WindowSamples);
        MemoryMarshal.AsBytes(Events).CopyTo(destination[FixedSize..]);
    }

    /// <summary>Decodes in place; false with a reason when the payload is malformed.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out SpikeEvents value, out string? error)
    {
        value = default;
        if (payload.Length < FixedSize)
        {
            error = PayloadError.TooShort(Type, FixedSize, payload.Length);
            return false;
        }

        int count = BinaryPrimitives.ReadUInt16LittleEndian(payload);
        int needed = FixedSize + (8 * count);
        if (payload.Length != needed)
        {
            error = PayloadError.Mismatch(Type, $"event_count {count}", needed, payload.Length);
            return false;
        }

        value = new SpikeEvents(
            BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]),
            MemoryMarshal.Cast<byte, SpikeEvent>(payload.Slice(FixedSize, 8 * count)));
        error = null;
        return true;
    }

    /// <summary>The canonical field text used by the test vectors: events as channel:offset:amplitude:unit.</summary>
    public string ToFieldText()
    {
        var text = new StringBuilder();
        text.Append("event_count=").Append(Events.Length).Append(" window_samples=").Append(WindowSamples).Append(" events=[");
        for (int i = 0; i < Events.Length; i++)
        {
            SpikeEvent e = Events[i];
            text.Append(i == 0 ? "" : ",").Append(e.Channel).Append(':').Append(e.SampleOffset).Append(':').Append(e.Amplitude).Append(':').Append(e.Unit);
        }

        return text.Append(']').ToString();
    }
}
