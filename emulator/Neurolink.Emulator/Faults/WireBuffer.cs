namespace Neurolink.Emulator.Faults;

/// <summary>Bytes on their way to the link, after fault injection, not yet taken by it.</summary>
public sealed class WireBuffer
{
    private byte[] _bytes = new byte[1 << 20];
    private int _start;
    private int _end;

    /// <summary>Bytes waiting.</summary>
    public int Pending => _end - _start;

    /// <summary>The waiting bytes.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes.AsSpan(_start, _end - _start);

    /// <summary>Appends bytes.</summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        if (_bytes.Length - _end < data.Length)
        {
            // Move to the front only when that frees at least half: each byte moves about once.
            int count = _end - _start;
            byte[] target = count + data.Length > _bytes.Length / 2 ? new byte[Math.Max(_bytes.Length * 2, 2 * (count + data.Length))] : _bytes;
            _bytes.AsSpan(_start, count).CopyTo(target);
            _bytes = target;
            _start = 0;
            _end = count;
        }

        data.CopyTo(_bytes.AsSpan(_end));
        _end += data.Length;
    }

    /// <summary>Space for <paramref name="length"/> bytes at the end, to fill and then <see cref="Commit"/>.</summary>
    public Span<byte> Reserve(int length)
    {
        Append(default);
        if (_bytes.Length - _end < length)
        {
            Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _end + length));
        }

        return _bytes.AsSpan(_end, length);
    }

    /// <summary>Keeps <paramref name="length"/> bytes written into the span from <see cref="Reserve"/>.</summary>
    public void Commit(int length) => _end += length;

    /// <summary>Drops the first <paramref name="count"/> bytes (the link took them).</summary>
    public void Consume(int count)
    {
        _start += count;
        if (_start == _end)
        {
            _start = 0;
            _end = 0;
        }
    }

    /// <summary>Drops everything (the link went away).</summary>
    public void Clear()
    {
        _start = 0;
        _end = 0;
    }
}
