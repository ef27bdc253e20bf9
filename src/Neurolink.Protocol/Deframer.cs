using System.Buffers.Binary;

namespace Neurolink.Protocol;

/// <summary>
/// The streaming receiver of SPEC section 10: takes bytes in chunks of any size, finds frames,
/// checks both CRCs, resyncs after corruption, tracks sequence numbers per stream, and hands
/// out each intact frame as a view into its own aligned buffer. No allocation per frame.
/// </summary>
/// <remarks>
/// Not thread-safe: one reader thread owns it. Use it like a pipe: put bytes in with
/// <see cref="GetWriteSpan"/> and <see cref="Advance"/> (the transport reads straight into the
/// buffer) or with <see cref="Write"/>, then call <see cref="TryRead"/> until it returns false.
/// A <see cref="Frame"/> is valid until the next call to any method of the deframer.
/// </remarks>
public sealed class Deframer : IDisposable
{
    private const int SyncLength = 4;
    private const int MinimumFreeSpace = 4096;

    // Bytes are moved back to the start of the buffer once this far in, so that the part of the
    // buffer in use stays in the CPU cache: for 64 KiB frames this is worth a third of the speed.
    private const int MinimumWorkingSet = 256 * 1024;

    private readonly NativeBuffer _buffer;
    private readonly int _maxFrameBytes;
    private readonly SequenceTracker _sequences = new();

    private int _start;
    private int _end;
    private int _workingSet;

    // Where the scan stands for the frame at _start: at a sync word, and its header checked.
    private bool _atSync;
    private int _frameLength;

    // The link has ended: a candidate frame that cannot complete is dropped byte by byte.
    private bool _completed;

    private long _frames;
    private long _bytesReceived;
    private long _discardedBytes;
    private long _headerCrcErrors;
    private long _frameCrcErrors;
    private long _badLengths;
    private long _badVersions;
    private long _unknownTypes;

    /// <summary>Creates a receiver.</summary>
    /// <param name="options">Limits and buffer size; null for the defaults (1 MiB frames).</param>
    public Deframer(DeframerOptions? options = null)
    {
        options ??= new DeframerOptions();
        options.Validate();
        _maxFrameBytes = options.MaxFrameBytes;
        int bufferBytes = options.BufferBytes != 0 ? options.BufferBytes : (2 * _maxFrameBytes) + (64 * 1024);
        _buffer = new NativeBuffer(bufferBytes);
        _workingSet = Math.Min(MinimumWorkingSet, bufferBytes);
    }

    /// <summary>Bytes received and not yet consumed.</summary>
    public int BufferedBytes => _end - _start;

    /// <summary>What the receiver has seen so far.</summary>
    public DeframerCounters Counters => new(
        _frames,
        _bytesReceived,
        _discardedBytes,
        _headerCrcErrors,
        _frameCrcErrors,
        _badLengths,
        _badVersions,
        _unknownTypes,
        _sequences.Gaps,
        _sequences.FramesLost,
        _sequences.Regressions);

    /// <summary>
    /// Space to receive into, after the buffered bytes; at least <paramref name="sizeHint"/>
    /// bytes when that is no more than the buffer can free (at least 4 KiB otherwise).
    /// Fill some of it, then call <see cref="Advance"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The buffer is full because <see cref="TryRead"/> was not called until it returned false, or the link was completed.</exception>
    public Span<byte> GetWriteSpan(int sizeHint = 0)
    {
        if (_completed)
        {
            throw new InvalidOperationException("the link was marked complete; call Reset before receiving from a new connection");
        }

        Span<byte> buffer = _buffer.Span;
        int wanted = Math.Max(Math.Clamp(sizeHint, 1, Math.Max(1, buffer.Length - _maxFrameBytes)), MinimumFreeSpace);
        if (_start > 0 && (buffer.Length - _end < wanted || _end + wanted > _workingSet))
        {
            // What moves is less than one frame: the bytes after the last frame handed out.
            Compact(buffer);
        }

        if (_end == buffer.Length)
        {
            throw new InvalidOperationException(
                "the deframer's buffer is full: call TryRead until it returns false before writing more bytes");
        }

        return buffer[_end..];
    }

    /// <summary>Marks <paramref name="count"/> bytes of the span from <see cref="GetWriteSpan"/> as received.</summary>
    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _buffer.Length - _end);
        _end += count;
        _bytesReceived += count;
    }

    /// <summary>
    /// Copies as many of <paramref name="data"/> into the buffer as fit, and returns how many.
    /// Call <see cref="TryRead"/> until it returns false, then write the rest.
    /// </summary>
    public int Write(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return 0;
        }

        Span<byte> space = GetWriteSpan(data.Length);
        int count = Math.Min(space.Length, data.Length);
        data[..count].CopyTo(space);
        Advance(count);
        return count;
    }

    /// <summary>Takes the next intact frame, if the buffered bytes hold one.</summary>
    /// <param name="frame">The frame, as a view valid until the next call to this deframer.</param>
    /// <returns>False when more bytes are needed.</returns>
    public bool TryRead(out Frame frame)
    {
        Span<byte> buffer = _buffer.Span;
        while (true)
        {
            if (!_atSync && !FindSync(buffer))
            {
                break;
            }

            int available = _end - _start;

            if (_frameLength == 0)
            {
                if (available < WireFormat.HeaderSize)
                {
                    if (_completed)
                    {
                        DiscardOneByte();
                        continue;
                    }

                    break;
                }

                if (!CheckHeader(buffer.Slice(_start, WireFormat.HeaderSize)))
                {
                    continue;
                }
            }

            if (available < _frameLength)
            {
                if (_completed)
                {
                    // Truncated by the end of the link: bytes behind it may still hold intact frames.
                    DiscardOneByte();
                    continue;
                }

                break;
            }

            ReadOnlySpan<byte> bytes = buffer.Slice(_start, _frameLength);
            int crcOffset = _frameLength - WireFormat.TrailerSize;
            if (Crc32C.Compute(bytes[..crcOffset]) != BinaryPrimitives.ReadUInt32LittleEndian(bytes[crcOffset..]))
            {
                _frameCrcErrors++;
                DiscardOneByte();
                continue;
            }

            var header = FrameHeader.Read(bytes);
            if (header.Version != WireFormat.Version)
            {
                _badVersions++;
                ConsumeFrame();
                continue;
            }

            // Sequence before type: an unknown frame still took a sequence number (SPEC 10, step 6).
            _sequences.Observe(header.Stream, header.Sequence);
            if (!FrameTypes.IsKnown(header.Type))
            {
                _unknownTypes++;
                ConsumeFrame();
                continue;
            }

            if ((_start & 7) != 0)
            {
                // Only after corruption: move the bytes down once so payloads are aligned again.
                Compact(buffer);
            }

            frame = new Frame(header, buffer.Slice(_start, _frameLength));
            _frames++;
            ConsumeFrame();
            return true;
        }

        frame = default;
        return false;
    }

    /// <summary>
    /// The link has ended: no more bytes will come. Keep calling <see cref="TryRead"/> until it
    /// returns false; a frame cut short by the end is dropped and intact frames buffered behind
    /// it are still delivered; the bytes that remain are then counted as discarded (SPEC section 10).
    /// </summary>
    public void Complete() => _completed = true;

    /// <summary>
    /// Empties the buffer (counting what it held as discarded) and accepts bytes again, as for a
    /// new connection. Counters are kept; call <see cref="ResetSequences"/> too when the device
    /// restarts its sequence numbers.
    /// </summary>
    public void Reset()
    {
        _discardedBytes += _end - _start;
        _start = 0;
        _end = 0;
        _atSync = false;
        _frameLength = 0;
        _completed = false;
    }

    /// <summary>
    /// Forgets the sequence numbers seen, as after a HELLO or a reconnect, when the device
    /// starts every stream again at 0.
    /// </summary>
    public void ResetSequences() => _sequences.Reset();

    /// <inheritdoc/>
    public void Dispose() => _buffer.Dispose();

    private bool FindSync(Span<byte> buffer)
    {
        ReadOnlySpan<byte> pending = buffer[_start.._end];
        int index = pending.IndexOf(WireFormat.SyncBytes);
        if (index < 0)
        {
            int keep = _completed ? 0 : PartialSyncSuffix(pending);
            Discard(pending.Length - keep);
            return false;
        }

        Discard(index);
        _atSync = true;
        return true;
    }

    private bool CheckHeader(ReadOnlySpan<byte> header)
    {
        if (Crc32C.Compute(header[..28]) != BinaryPrimitives.ReadUInt32LittleEndian(header[28..]))
        {
            _headerCrcErrors++;
            DiscardOneByte();
            return false;
        }

        uint payloadLength = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
        if (payloadLength > WireFormat.MaxPayloadLength || WireFormat.FrameLength((int)payloadLength) > _maxFrameBytes)
        {
            _badLengths++;
            DiscardOneByte();
            return false;
        }

        _frameLength = WireFormat.FrameLength((int)payloadLength);
        _workingSet = Math.Min(Math.Max(4 * _frameLength, _workingSet), _buffer.Length);
        return true;
    }

    private static int PartialSyncSuffix(ReadOnlySpan<byte> pending)
    {
        ReadOnlySpan<byte> sync = WireFormat.SyncBytes;
        for (int keep = Math.Min(SyncLength - 1, pending.Length); keep > 0; keep--)
        {
            if (pending[^keep..].SequenceEqual(sync[..keep]))
            {
                return keep;
            }
        }

        return 0;
    }

    private void Discard(int count)
    {
        _start += count;
        _discardedBytes += count;
    }

    private void DiscardOneByte()
    {
        Discard(1);
        _atSync = false;
        _frameLength = 0;
    }

    private void ConsumeFrame()
    {
        _start += _frameLength;
        _atSync = false;
        _frameLength = 0;
        if (_start == _end)
        {
            _start = 0;
            _end = 0;
        }
    }

    private void Compact(Span<byte> buffer)
    {
        int count = _end - _start;
        buffer.Slice(_start, count).CopyTo(buffer);
        _start = 0;
        _end = count;
    }
}
