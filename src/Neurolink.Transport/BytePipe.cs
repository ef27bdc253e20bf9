namespace Neurolink.Transport;

/// <summary>
/// A bounded, single-producer single-consumer byte queue for one direction of an in-process
/// link. A full pipe makes the writer wait (backpressure), an empty one makes the reader wait.
/// One lock, never nested.
/// </summary>
public sealed class BytePipe
{
    private readonly byte[] _ring;
    private readonly object _gate = new();
    private long _head; // total bytes read
    private long _tail; // total bytes written
    private bool _closed;

    /// <summary>Creates a pipe holding up to <paramref name="capacity"/> bytes (at least 1).</summary>
    public BytePipe(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _ring = new byte[capacity];
    }

    /// <summary>Bytes written and not yet read.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return (int)(_tail - _head);
            }
        }
    }

    /// <summary>Free space: what a write can take now without waiting.</summary>
    public int Free => _ring.Length - Count;

    /// <summary>True once <see cref="Close"/> was called.</summary>
    public bool IsClosed
    {
        get
        {
            lock (_gate)
            {
                return _closed;
            }
        }
    }

    /// <summary>Writes as many bytes as fit now, without waiting; returns how many.</summary>
    /// <exception cref="TransportClosedException">The pipe is closed.</exception>
    public int TryWrite(ReadOnlySpan<byte> source)
    {
        lock (_gate)
        {
            if (_closed)
            {
                throw new TransportClosedException("the in-process link is closed");
            }

            int n = Math.Min(source.Length, _ring.Length - (int)(_tail - _head));
            int at = (int)(_tail % _ring.Length);
            int first = Math.Min(n, _ring.Length - at);
            source[..first].CopyTo(_ring.AsSpan(at));
            source[first..n].CopyTo(_ring);
            _tail += n;
            if (n > 0)
            {
                Monitor.PulseAll(_gate);
            }

            return n;
        }
    }

    /// <summary>Writes every byte, waiting for the reader while the pipe is full.</summary>
    public void Write(ReadOnlySpan<byte> source, CancellationToken cancellationToken)
    {
        while (!source.IsEmpty)
        {
            int n = TryWrite(source);
            source = source[n..];
            if (!source.IsEmpty)
            {
                Wait(static p => p._ring.Length - (p._tail - p._head) > 0 || p._closed, cancellationToken);
            }
        }
    }

    /// <summary>Reads at least one byte, waiting for some; 0 when the pipe is closed and empty.</summary>
    public int Read(Span<byte> destination, CancellationToken cancellationToken)
    {
        if (destination.IsEmpty)
        {
            return 0;
        }

        Wait(static p => p._tail > p._head || p._closed, cancellationToken);
        return TryRead(destination);
    }

    /// <summary>Reads what is there now, without waiting; 0 when empty.</summary>
    public int TryRead(Span<byte> destination)
    {
        lock (_gate)
        {
            int n = (int)Math.Min(destination.Length, _tail - _head);
            int at = (int)(_head % _ring.Length);
            int first = Math.Min(n, _ring.Length - at);
            _ring.AsSpan(at, first).CopyTo(destination);
            _ring.AsSpan(0, n - first).CopyTo(destination[first..]);
            _head += n;
            if (n > 0)
            {
                Monitor.PulseAll(_gate);
            }

            return n;
        }
    }

    /// <summary>Waits until the pipe has bytes to read or is closed, or the timeout passes.</summary>
    public bool WaitReadable(TimeSpan timeout, CancellationToken cancellationToken)
    {
        DateTime until = DateTime.UtcNow + timeout;
        lock (_gate)
        {
            while (_tail == _head && !_closed)
            {
                cancellationToken.ThrowIfCancellationRequested();
                TimeSpan left = until - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    return false;
                }

                Monitor.Wait(_gate, left < TimeSpan.FromMilliseconds(50) ? left : TimeSpan.FromMilliseconds(50));
            }

            return true;
        }
    }

    /// <summary>Closes the pipe: the reader drains what is left, then reads 0; writers fail.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Waits for <paramref name="ready"/>; a static predicate, so waiting allocates nothing.</summary>
    private void Wait(Func<BytePipe, bool> ready, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            while (!ready(this))
            {
                cancellationToken.ThrowIfCancellationRequested();

                // Wake at least every 50 ms to notice cancellation without a registration per wait.
                Monitor.Wait(_gate, 50);
            }
        }
    }
}
