using System.Diagnostics;
using System.Runtime.InteropServices;
using Neurolink.Protocol;

namespace Neurolink.Device.Acquisition;

/// <summary>What a ring item holds.</summary>
public enum RingItemKind
{
    /// <summary>A validated frame, exactly as received.</summary>
    Frame = FrameRing.KindFrame,

    /// <summary>A record of lost data.</summary>
    Loss = FrameRing.KindLoss,
}

/// <summary>
/// One item of the acquired stream, as a view into the ring: valid until the consumer's next
/// <see cref="RingConsumer.TryRead"/> or <see cref="RingConsumer.Release"/>.
/// </summary>
public readonly unsafe ref struct RingItem
{
    private readonly byte* _record;
    private readonly int _length;

    internal RingItem(byte* record, int length, RingItemKind kind, long timestamp)
    {
        _record = record;
        _length = length;
        Kind = kind;
        ReceivedTimestamp = timestamp;
    }

    /// <summary>A frame or a loss record.</summary>
    public RingItemKind Kind { get; }

    /// <summary><see cref="System.Diagnostics.Stopwatch"/> timestamp at which the frame's last byte was received.</summary>
    public long ReceivedTimestamp { get; }

    /// <summary>The frame (for <see cref="RingItemKind.Frame"/>): header, payload and the bytes as on the wire.</summary>
    public Frame Frame
    {
        get
        {
            var bytes = new ReadOnlySpan<byte>(_record + FrameRing.RecordHeader, _length);
            return Kind == RingItemKind.Frame ? new Frame(FrameHeader.Read(bytes), bytes) : throw new InvalidOperationException("this item is a loss record, not a frame");
        }
    }

    /// <summary>The loss (for <see cref="RingItemKind.Loss"/>).</summary>
    public LossRecord Loss => Kind == RingItemKind.Loss
        ? MemoryMarshal.Read<LossRecord>(new ReadOnlySpan<byte>(_record + FrameRing.RecordHeader, _length))
        : throw new InvalidOperationException("this item is a frame, not a loss record");
}

/// <summary>
/// One reader of the acquisition ring, used from one thread: it sees every frame and loss record
/// written after it was added, in order, in place. Room in the ring is freed as it releases
/// items, so a consumer that stops reading holds back the producer (see <see cref="SlowConsumerPolicy"/>).
/// </summary>
public sealed unsafe class RingConsumer : IDisposable
{
    private readonly FrameRing _ring;
    private readonly ManualResetEventSlim _data = new(false, spinCount: 100);
    private PaddedLong _read;
    private long _readLocal;
    private int _held;
    private int _waiting;
    private bool _disposed;

    internal RingConsumer(FrameRing ring, string name, long start)
    {
        _ring = ring;
        Name = name;
        _read.Value = start;
        _readLocal = start;
    }

    /// <summary>Its name, for metrics and messages.</summary>
    public string Name { get; }

    /// <summary>Bytes written to the ring that this consumer has not released yet.</summary>
    public long LagBytes => _ring.WritePosition - Volatile.Read(ref _read.Value);

    internal long ReadPosition => Volatile.Read(ref _read.Value);

    /// <summary>True when an item is there to read (one volatile read: for a consumer that polls).</summary>
    public bool Available => _readLocal + _held < _ring.WritePosition;

    /// <summary>
    /// Releases the item read last, then takes the next one if there is one. The item is a view
    /// into the ring, valid until the next call to this or <see cref="Release"/>.
    /// </summary>
    public bool TryRead(out RingItem item)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Release();
        long write = _ring.WritePosition;
        while (_readLocal < write)
        {
            byte* record = _ring.Base + (_readLocal & _ring.Mask);
            int length = *(int*)record;
            int kind = *(int*)(record + 4);
            if (kind == FrameRing.KindSkip)
            {
                _readLocal += length;
                continue;
            }

            _held = FrameRing.RecordSize(length);
            item = new RingItem(record, length, (RingItemKind)kind, *(long*)(record + 8));
            return true;
        }

        item = default;
        return false;
    }

    /// <summary>Frees the room of the item read last (done by the next <see cref="TryRead"/> anyway).</summary>
    public void Release()
    {
        _readLocal += _held;
        _held = 0;
        if (_readLocal != _read.Value)
        {
            Interlocked.Exchange(ref _read.Value, _readLocal); // a full fence: a waiting producer is seen below
            _ring.OnReleased();
        }
    }

    /// <summary>
    /// Waits until an item is there to read: spins briefly (the closed loop wants the frame within
    /// microseconds), then blocks. False only when <paramref name="timeout"/> passed with nothing
    /// to read, or the ring was disposed; a wake-up with nothing there (the producer's wake for an item this consumer had
    /// already seen) waits again for the time left.
    /// </summary>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public bool WaitForData(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Release();
        if (HasData())
        {
            return true;
        }

        bool forever = timeout == Timeout.InfiniteTimeSpan;
        long deadline = forever ? long.MaxValue : Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            _data.Reset();
            Interlocked.Exchange(ref _waiting, 1);
            try
            {
                if (HasData())
                {
                    return true;
                }

                if (_ring.Disposed)
                {
                    return false;
                }

                TimeSpan left = Timeout.InfiniteTimeSpan;
                if (!forever)
                {
                    long ticks = deadline - Stopwatch.GetTimestamp();
                    if (ticks <= 0)
                    {
                        return false;
                    }

                    left = TimeSpan.FromSeconds(ticks / (double)Stopwatch.Frequency);
                }

                _data.Wait(left, cancellationToken);
            }
            finally
            {
                Volatile.Write(ref _waiting, 0);
            }
        }
    }

    /// <summary>Leaves the ring: its room is no longer held for this consumer.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _ring.Remove(this);
        _data.Dispose();
    }

    internal void WakeIfWaiting()
    {
        if (Volatile.Read(ref _waiting) != 0)
        {
            Wake();
        }
    }

    internal void Wake()
    {
        try
        {
            _data.Set();
        }
        catch (ObjectDisposedException)
        {
            // The consumer left while the producer was waking it.
        }
    }

    private bool HasData() => _readLocal < _ring.WritePosition;
}
