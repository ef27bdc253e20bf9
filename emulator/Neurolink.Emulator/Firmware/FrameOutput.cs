using Neurolink.Protocol;

namespace Neurolink.Emulator.Firmware;

/// <summary>A frame waiting in the device's transmit FIFO.</summary>
public readonly record struct QueuedFrame(byte Type, ushort Stream, uint Sequence, ulong Clock, int Offset, int Length);

/// <summary>
/// The device's transmit FIFO: encoded frames, in order, with their identity, so that link
/// faults can act on whole frames. Sequence numbers are assigned as frames enter it (SPEC
/// section 3: a frame the FIFO could not take never gets one, and is reported by GAP).
/// </summary>
public sealed class FrameOutput
{
    private readonly Queue<QueuedFrame> _frames = new();
    private readonly uint[] _sequence = new uint[65536];
    private byte[] _buffer = new byte[1 << 20];
    private int _start;
    private int _end;

    /// <summary>Bytes queued and not yet taken.</summary>
    public int PendingBytes => _end - _start;

    /// <summary>
    /// Allocates and touches the FIFO's memory now, as a device's is fixed at power-on: growing
    /// it (and page-faulting) in the middle of acquisition would stall the device.
    /// </summary>
    public void Preallocate(int bytes)
    {
        if (bytes > _buffer.Length && _end == 0)
        {
            _buffer = new byte[bytes];
            _buffer.AsSpan().Clear();
        }
    }

    /// <summary>Restarts every stream's sequence at 0 (after HELLO).</summary>
    public void ResetSequences() => Array.Clear(_sequence);

    /// <summary>Empties the FIFO (a link reset).</summary>
    public void Clear()
    {
        _frames.Clear();
        _start = 0;
        _end = 0;
    }

    /// <summary>Encodes a typed frame into the FIFO with the stream's next sequence number.</summary>
    public void Enqueue<T>(in T payload, ushort stream, ulong clock)
        where T : IFramePayload, allows ref struct
    {
        int length = WireFormat.FrameLength(payload.PayloadLength);
        Span<byte> space = Reserve(length);
        uint sequence = _sequence[stream]++;
        FrameEncoder.Encode(space, payload, FrameFlags.DeviceToHost, stream, clock, sequence);
        _frames.Enqueue(new QueuedFrame((byte)T.Type, stream, sequence, clock, _end, length));
        _end += length;
    }

    /// <summary>The oldest frame, without taking it.</summary>
    public bool TryPeek(out QueuedFrame frame, out ReadOnlySpan<byte> bytes)
    {
        if (_frames.TryPeek(out frame))
        {
            bytes = _buffer.AsSpan(frame.Offset, frame.Length);
            return true;
        }

        bytes = default;
        return false;
    }

    /// <summary>Takes the oldest frame out.</summary>
    public void Dequeue()
    {
        QueuedFrame frame = _frames.Dequeue();
        _start = frame.Offset + frame.Length;
        if (_frames.Count == 0)
        {
            _start = 0;
            _end = 0;
        }
    }

    /// <summary>
    /// Room for <paramref name="length"/> more bytes at the end. The queued frames are moved to
    /// the front only when they fill at most half the buffer, which grows otherwise: each byte
    /// is moved at most about once, however full the FIFO runs (a FIFO near its limit must not
    /// cost a copy of itself per frame, or the device falls further behind the fuller it gets).
    /// </summary>
    private Span<byte> Reserve(int length)
    {
        if (_buffer.Length - _end < length)
        {
            int count = _end - _start;
            byte[] target = count + length > _buffer.Length / 2 ? new byte[Math.Max(_buffer.Length * 2, 2 * (count + length))] : _buffer;
            _buffer.AsSpan(_start, count).CopyTo(target);
            _buffer = target;
            int shift = _start;
            if (shift > 0)
            {
                int n = _frames.Count;
                for (int i = 0; i < n; i++)
                {
                    QueuedFrame f = _frames.Dequeue();
                    _frames.Enqueue(f with { Offset = f.Offset - shift });
                }
            }

            _start = 0;
            _end = count;
        }

        return _buffer.AsSpan(_end, length);
    }
}
