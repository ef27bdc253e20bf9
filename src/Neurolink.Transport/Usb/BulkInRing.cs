using System.Runtime.InteropServices;

namespace Neurolink.Transport.Usb;

/// <summary>How a USB transfer ended (libusb's <c>enum libusb_transfer_status</c>).</summary>
public enum UsbTransferStatus
{
    /// <summary>Completed; the data is there (maybe a short packet).</summary>
    Completed = 0,

    /// <summary>Failed.</summary>
    Error = 1,

    /// <summary>Timed out.</summary>
    TimedOut = 2,

    /// <summary>Cancelled (on close).</summary>
    Cancelled = 3,

    /// <summary>The endpoint halted (stall); the halt must be cleared.</summary>
    Stall = 4,

    /// <summary>The device is gone.</summary>
    NoDevice = 5,

    /// <summary>The device sent more than the buffer holds: that data is lost.</summary>
    Overflow = 6,
}

/// <summary>The USB operations the bulk-IN ring needs: libusb in use, a fake in tests.</summary>
public unsafe interface IBulkInBackend
{
    /// <summary>Submits transfer <paramref name="index"/> to read into <paramref name="buffer"/>; returns 0 or a libusb error code.</summary>
    int Submit(int index, byte* buffer, int length);

    /// <summary>Asks for transfer <paramref name="index"/> to be cancelled; its completion still comes, as <see cref="UsbTransferStatus.Cancelled"/>.</summary>
    void Cancel(int index);

    /// <summary>Clears a halted IN endpoint; returns 0 or a libusb error code.</summary>
    int ClearHalt();
}

/// <summary>Counters of the bulk-IN ring.</summary>
/// <param name="Completed">Transfers completed with data.</param>
/// <param name="Bytes">Bytes received.</param>
/// <param name="Stalls">Stalls cleared.</param>
/// <param name="Overflows">Transfers that overflowed (their data lost; the deframer then counts the damage).</param>
/// <param name="Errors">Transfers that failed or timed out.</param>
public readonly record struct BulkInCounters(long Completed, long Bytes, long Stalls, long Overflows, long Errors);

/// <summary>
/// A fixed ring of asynchronous bulk-IN transfers kept in flight over pinned buffers, read in
/// submission order (which is the order the endpoint fills them). The completion callback, on
/// the USB event thread, only records the outcome and wakes the reader; the reader copies the
/// data out and resubmits the transfer, so a slow reader holds transfers back and the device
/// is throttled (its FIFO reports what it had to drop). A stall is cleared and the transfer
/// resubmitted, an overflow is counted, a run of errors or a vanished device ends the link
/// (reads return 0), and closing cancels every transfer and waits for each one to come back.
/// </summary>
public sealed unsafe class BulkInRing : IDisposable
{
    private const int MaxConsecutiveErrors = 8;

    private readonly IBulkInBackend _backend;
    private readonly int _count;
    private readonly int _size;
    private readonly byte* _buffers;
    private readonly Slot[] _slots;
    private readonly object _gate = new();
    private int _head;
    private int _offset;
    private int _inFlight;
    private int _consecutiveErrors;
    private bool _ended;
    private bool _closing;
    private string? _endReason;
    private long _completed, _bytes, _stalls, _overflows, _errors;

    /// <summary>Allocates <paramref name="count"/> buffers of <paramref name="size"/> bytes (a multiple of 512, the bulk packet size).</summary>
    public BulkInRing(IBulkInBackend backend, int count = 16, int size = 256 * 1024)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, 256);
        if (size <= 0 || size % 512 != 0 || size > 16 << 20)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "a transfer size must be a multiple of 512 bytes, at most 16 MiB");
        }

        _backend = backend;
        _count = count;
        _size = size;
        _buffers = (byte*)NativeMemory.AlignedAlloc((nuint)count * (nuint)size, 4096);
        _slots = new Slot[count];
    }

    /// <summary>Transfers in the ring.</summary>
    public int TransferCount => _count;

    /// <summary>Bytes per transfer.</summary>
    public int TransferSize => _size;

    /// <summary>Transfers submitted and not yet completed.</summary>
    public int InFlight { get { lock (_gate) { return _inFlight; } } }

    /// <summary>Why the link ended (device gone, errors), or null while it is up.</summary>
    public string? EndReason { get { lock (_gate) { return _endReason; } } }

    /// <summary>The ring's counters.</summary>
    public BulkInCounters Counters { get { lock (_gate) { return new(_completed, _bytes, _stalls, _overflows, _errors); } } }

    /// <summary>The buffer of transfer <paramref name="index"/>.</summary>
    public byte* BufferOf(int index) => _buffers + ((nint)index * _size);

    /// <summary>Submits every transfer.</summary>
    /// <exception cref="TransportException">The first submission failed; the message says why.</exception>
    public void Start()
    {
        lock (_gate)
        {
            for (int i = 0; i < _count; i++)
            {
                int rc = SubmitLocked(i);
                if (rc != 0 && i == 0)
                {
                    throw new TransportException($"the first USB transfer could not be submitted (libusb error {rc}); check the endpoint address and that the device is configured");
                }
            }
        }
    }

    /// <summary>
    /// Called on the USB event thread when a transfer completes. Never throws: it records the
    /// outcome and wakes the reader.
    /// </summary>
    public void OnCompleted(int index, UsbTransferStatus status, int length)
    {
        lock (_gate)
        {
            if ((uint)index >= (uint)_count || !_slots[index].Submitted)
            {
                return;
            }

            _slots[index] = new Slot { Done = true, Status = status, Length = Math.Clamp(length, 0, _size) };
            _inFlight--;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Copies received bytes, in order, waiting for some; 0 once the link has ended and every byte was read.</summary>
    public int Read(Span<byte> destination, CancellationToken cancellationToken)
    {
        if (destination.IsEmpty)
        {
            return 0;
        }

        lock (_gate)
        {
            while (true)
            {
                ref Slot slot = ref _slots[_head];
                if (slot.Done)
                {
                    switch (slot.Status)
                    {
                        case UsbTransferStatus.Completed:
                            _consecutiveErrors = 0;
                            int n = Math.Min(destination.Length, slot.Length - _offset);
                            new ReadOnlySpan<byte>(BufferOf(_head) + _offset, n).CopyTo(destination);
                            _offset += n;
                            if (_offset == slot.Length)
                            {
                                _completed++;
                                _bytes += slot.Length;
                                Recycle();
                            }

                            if (n > 0)
                            {
                                return n;
                            }

                            continue;
                        case UsbTransferStatus.Stall:
                            _stalls++;
                            int rc = _backend.ClearHalt();
                            if (rc != 0)
                            {
                                End($"the device's IN endpoint stalled and the halt could not be cleared (libusb error {rc})");
                                break;
                            }

                            Recycle();
                            continue;
                        case UsbTransferStatus.Overflow:
                            // The device sent more than a transfer holds: those bytes are gone; the
                            // deframer sees the hole and counts it (resync, sequence gap).
                            _overflows++;
                            Recycle();
                            continue;
                        case UsbTransferStatus.Error or UsbTransferStatus.TimedOut:
                            _errors++;
                            if (++_consecutiveErrors >= MaxConsecutiveErrors)
                            {
                                End($"{MaxConsecutiveErrors} USB transfers failed in a row; check the cable and the hub");
                                break;
                            }

                            Recycle();
                            continue;
                        case UsbTransferStatus.NoDevice:
                            End("the USB device was disconnected");
                            break;
                        default:
                            End(_endReason ?? "the link was closed");
                            break;
                    }
                }

                if (_ended || _closing)
                {
                    return 0;
                }

                cancellationToken.ThrowIfCancellationRequested();
                Monitor.Wait(_gate, 50);
            }
        }
    }

    /// <summary>Cancels every transfer in flight and waits (up to <paramref name="timeout"/>) until each has come back; true when all did.</summary>
    public bool Cancel(TimeSpan timeout)
    {
        lock (_gate)
        {
            _closing = true;
            for (int i = 0; i < _count; i++)
            {
                if (_slots[i].Submitted)
                {
                    _backend.Cancel(i);
                }
            }

            var deadline = DateTime.UtcNow + timeout;
            while (_inFlight > 0)
            {
                TimeSpan left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    return false;
                }

                Monitor.Wait(_gate, left);
            }

            Monitor.PulseAll(_gate);
            return true;
        }
    }

    /// <summary>Frees the buffers. Call only after <see cref="Cancel"/> returned true: the device may still write into them otherwise.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_inFlight > 0)
            {
                // Leaking is safer than freeing memory a transfer may still write into.
                return;
            }
        }

        NativeMemory.AlignedFree(_buffers);
    }

    private void Recycle()
    {
        int index = _head;
        _offset = 0;
        _head = (_head + 1) % _count;
        _slots[index] = default;
        if (!_closing && !_ended)
        {
            SubmitLocked(index);
        }
    }

    private int SubmitLocked(int index)
    {
        _slots[index] = new Slot { Submitted = true };
        _inFlight++;
        int rc = _backend.Submit(index, BufferOf(index), _size);
        if (rc != 0)
        {
            _slots[index] = default;
            _inFlight--;
            End(rc == LibUsb.ErrorNoDevice ? "the USB device was disconnected" : $"a USB transfer could not be resubmitted (libusb error {rc})");
        }

        return rc;
    }

    private void End(string reason)
    {
        if (!_ended)
        {
            _ended = true;
            _endReason = reason;
        }

        Monitor.PulseAll(_gate);
    }

    private struct Slot
    {
        public bool Submitted;
        public bool Done;
        public UsbTransferStatus Status;
        public int Length;
    }
}
