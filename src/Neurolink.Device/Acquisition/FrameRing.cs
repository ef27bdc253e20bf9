using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Neurolink.Protocol;

namespace Neurolink.Device.Acquisition;

/// <summary>Counters of the ring itself.</summary>
/// <param name="Frames">Frames written.</param>
/// <param name="Bytes">Frame bytes written.</param>
/// <param name="OverrunFrames">Frames dropped because a consumer had not freed room.</param>
/// <param name="OverrunBytes">Bytes of those frames.</param>
/// <param name="Waits">Times the producer waited for room.</param>
/// <param name="WaitedSeconds">Total time it waited.</param>
public readonly record struct FrameRingCounters(long Frames, long Bytes, long OverrunFrames, long OverrunBytes, long Waits, double WaitedSeconds);

/// <summary>
/// The acquisition ring: validated frames are written once into fixed, aligned host memory
/// (page-locked when a GPU backend supplies it) and every consumer reads them in place, in
/// order, at its own pace, as views: no copy and no allocation per frame. One producer (the
/// reader thread), any number of consumers; room is freed when the slowest consumer has
/// released a frame. When the ring is full, <see cref="FrameRingOptions.Policy"/> decides, and
/// what is dropped is counted and put in the stream as a <see cref="LossRecord"/>.
/// </summary>
/// <remarks>
/// Records are 16-byte aligned: a 16-byte record header (length, kind, host timestamp), then the
/// frame exactly as it arrived, so payloads keep the 8-byte alignment the protocol gives them.
/// A record never wraps: a skip record fills the end of the ring when the next one does not fit.
/// </remarks>
public sealed unsafe class FrameRing : IDisposable
{
    internal const int RecordHeader = 16;
    internal const int KindFrame = 1;
    internal const int KindLoss = 2;
    internal const int KindSkip = 3;

    /// <summary>Room kept for loss records only, so a record of what was dropped always fits once a consumer catches up.</summary>
    private const int LossReserve = 4096;

    private readonly FrameRingOptions _options;
    private readonly HostMemory _memory;
    private readonly byte* _base;
    private readonly long _mask;
    private readonly object _producerGate = new();
    private readonly object _consumersGate = new();
    private readonly ManualResetEventSlim _room = new(false, spinCount: 50);
    private RingConsumer[] _consumers = [];
    private PaddedLong _write;
    private int _producerWaiting;
    private long _frames, _bytes, _overrunFrames, _overrunBytes, _waits, _waitedTicks;
    private readonly List<LossRecord> _pendingLosses = new(16);
    private bool _disposed;

    /// <summary>Allocates the ring.</summary>
    /// <exception cref="ArgumentException">A bad setting, named.</exception>
    public FrameRing(FrameRingOptions? options = null)
    {
        _options = options ?? new FrameRingOptions();
        _options.Validate();
        long capacity = (long)BitOperations.RoundUpToPowerOf2((uint)_options.CapacityBytes);
        _memory = _options.Allocator(capacity);
        if (_memory.Length < capacity || ((nint)_memory.Start & 63) != 0)
        {
            throw new InvalidOperationException($"the ring allocator gave {_memory.Length} bytes at 0x{(nint)_memory.Start:X}; {capacity} bytes aligned to 64 are needed");
        }

        _base = _memory.Start;
        Capacity = capacity;
        _mask = capacity - 1;
    }

    /// <summary>Ring size in bytes.</summary>
    public long Capacity { get; }

    /// <summary>True when the ring's memory is page-locked for GPU DMA.</summary>
    public bool PageLocked => _memory.PageLocked;

    /// <summary>The policy for a slow consumer.</summary>
    public SlowConsumerPolicy Policy => _options.Policy;

    /// <summary>The ring's counters.</summary>
    public FrameRingCounters Counters => new(
        Interlocked.Read(ref _frames), Interlocked.Read(ref _bytes), Interlocked.Read(ref _overrunFrames),
        Interlocked.Read(ref _overrunBytes), Interlocked.Read(ref _waits), Interlocked.Read(ref _waitedTicks) / (double)Stopwatch.Frequency);

    /// <summary>Total bytes ever published (records included); a consumer's lag is measured against it.</summary>
    internal long WritePosition => Volatile.Read(ref _write.Value);

    internal byte* Base => _base;

    /// <summary>True once the ring was disposed: a consumer waiting on it stops waiting.</summary>
    internal bool Disposed => Volatile.Read(ref _disposed);

    internal long Mask => _mask;

    /// <summary>
    /// Adds a consumer that sees every record written from now on. Dispose it when done, or it
    /// holds the ring's room forever.
    /// </summary>
    /// <param name="name">Its name, for metrics and messages ("closed-loop", "recorder").</param>
    public RingConsumer AddConsumer(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_producerGate)
        {
            var consumer = new RingConsumer(this, name, WritePosition);
            lock (_consumersGate)
            {
                _consumers = [.. _consumers, consumer];
            }

            return consumer;
        }
    }

    /// <summary>
    /// Writes a frame exactly as received. Returns false when it was dropped (ring full under the
    /// policy); the drop is counted and reported to consumers as a <see cref="LossRecord"/>.
    /// </summary>
    public bool Write(in Frame frame, long receivedTimestamp)
    {
        lock (_producerGate)
        {
            ReadOnlySpan<byte> bytes = frame.Bytes;
            long needed = Needed(RecordSize(bytes.Length)) + LossReserve;
            if (!Reserve(needed))
            {
                Drop(frame.Header, bytes.Length);
                return false;
            }

            // Losses are said before anything that came after them.
            FlushLosses(receivedTimestamp);
            Append(KindFrame, bytes, receivedTimestamp);
            _frames++;
            _bytes += bytes.Length;
            return true;
        }
    }

    /// <summary>
    /// Puts a loss record in the stream (a sequence gap, a link down). It is never dropped: if
    /// there is no room now it is kept, in order, and written before the next frame.
    /// </summary>
    public void WriteLoss(in LossRecord loss, long timestamp)
    {
        lock (_producerGate)
        {
            _pendingLosses.Add(loss);
            if (Reserve(Needed(0)))
            {
                FlushLosses(timestamp);
            }
        }
    }

    /// <summary>
    /// Writes the loss records still waiting for room (such as a ring overrun, which is said
    /// before the next frame): call it when no frame will follow, at the end of an acquisition.
    /// </summary>
    public void FlushLosses()
    {
        lock (_producerGate)
        {
            if (_pendingLosses.Count > 0 && Free() >= Needed(0))
            {
                FlushLosses(Stopwatch.GetTimestamp());
            }
        }
    }

    /// <summary>Frees the ring's memory. Stop every consumer first: their views point into it.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        Volatile.Write(ref _disposed, true);
        foreach (RingConsumer c in _consumers)
        {
            c.Wake();
        }

        _memory.Dispose();
        _room.Dispose();
    }

    internal static int RecordSize(int payload) => RecordHeader + ((payload + 15) & ~15);

    internal void Remove(RingConsumer consumer)
    {
        lock (_consumersGate)
        {
            _consumers = Array.FindAll(_consumers, c => c != consumer);
        }

        OnReleased();
    }

    /// <summary>Called by a consumer after it moved its read position: wakes a producer waiting for room.</summary>
    internal void OnReleased()
    {
        if (Volatile.Read(ref _producerWaiting) != 0 && !_disposed)
        {
            _room.Set();
        }
    }

    private void Drop(in FrameHeader header, int length)
    {
        int last = _pendingLosses.Count - 1;
        if (last >= 0 && _pendingLosses[last].Kind == LossKind.RingOverrun)
        {
            LossRecord o = _pendingLosses[last];
            _pendingLosses[last] = o with { Stream = o.Stream == header.Stream ? o.Stream : (ushort)0, Frames = o.Frames + 1, Bytes = o.Bytes + length, EndClock = header.SampleClock };
        }
        else
        {
            _pendingLosses.Add(new LossRecord(LossKind.RingOverrun, header.Stream, 1, length, header.SampleClock, header.SampleClock));
        }

        Interlocked.Increment(ref _overrunFrames);
        Interlocked.Add(ref _overrunBytes, length);
    }

    /// <summary>Bytes the pending loss records and then a record of <paramref name="size"/> bytes take, skip records included.</summary>
    private long Needed(int size)
    {
        long start = _write.Value;
        long position = start;
        foreach (LossRecord _ in _pendingLosses)
        {
            position = Place(position, RecordSize(sizeof(LossRecord)));
        }

        if (size > 0)
        {
            position = Place(position, size);
        }

        return position - start;
    }

    private long Place(long position, int size)
    {
        long offset = position & _mask;
        return (offset + size > Capacity ? position + (Capacity - offset) : position) + size;
    }

    private void FlushLosses(long timestamp)
    {
        foreach (LossRecord loss in _pendingLosses)
        {
            Append(KindLoss, MemoryMarshal.AsBytes(new ReadOnlySpan<LossRecord>(in loss)), timestamp);
        }

        _pendingLosses.Clear();
    }

    /// <summary>Waits (under the policy) until <paramref name="bytes"/> more can be written.</summary>
    private bool Reserve(long bytes)
    {
        long free = Free();
        if (free >= bytes)
        {
            return true;
        }

        if (_options.Policy == SlowConsumerPolicy.DropNewest || _options.MaxWait == TimeSpan.Zero)
        {
            return false;
        }

        long start = Stopwatch.GetTimestamp();
        long limit = start + (long)(_options.MaxWait.TotalSeconds * Stopwatch.Frequency);
        Interlocked.Increment(ref _waits);
        try
        {
            while (true)
            {
                _room.Reset();
                Interlocked.Exchange(ref _producerWaiting, 1);
                free = Free();
                if (free >= bytes)
                {
                    return true;
                }

                long now = Stopwatch.GetTimestamp();
                if (now >= limit || _disposed)
                {
                    return false;
                }

                _room.Wait(TimeSpan.FromTicks(Math.Max(1, (limit - now) * TimeSpan.TicksPerSecond / Stopwatch.Frequency)));
            }
        }
        finally
        {
            Volatile.Write(ref _producerWaiting, 0);
            Interlocked.Add(ref _waitedTicks, Stopwatch.GetTimestamp() - start);
        }
    }

    private long Free()
    {
        long write = _write.Value;
        long oldest = write;
        foreach (RingConsumer c in Volatile.Read(ref _consumers))
        {
            oldest = Math.Min(oldest, c.ReadPosition);
        }

        return Capacity - (write - oldest);
    }

    /// <summary>Writes one record (and a skip record first if it would cross the end), then publishes it.</summary>
    private void Append(int kind, ReadOnlySpan<byte> payload, long timestamp)
    {
        long write = _write.Value;
        int size = RecordSize(payload.Length);
        long offset = write & _mask;
        if (offset + size > Capacity)
        {
            WriteHeader(_base + offset, (int)(Capacity - offset), KindSkip, 0);
            write += Capacity - offset;
            offset = 0;
        }

        byte* record = _base + offset;
        payload.CopyTo(new Span<byte>(record + RecordHeader, payload.Length));
        WriteHeader(record, payload.Length, kind, timestamp);

        // A full fence: the record is visible before the position, and a consumer that said it
        // is waiting after this point is seen below.
        Interlocked.Exchange(ref _write.Value, write + size);
        foreach (RingConsumer c in Volatile.Read(ref _consumers))
        {
            c.WakeIfWaiting();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteHeader(byte* record, int length, int kind, long timestamp)
    {
        *(int*)record = length;
        *(int*)(record + 4) = kind;
        *(long*)(record + 8) = timestamp;
    }
}

/// <summary>A long alone on its cache line, so the producer's and consumers' positions do not share one.</summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct PaddedLong
{
    [FieldOffset(64)]
    public long Value;
}
