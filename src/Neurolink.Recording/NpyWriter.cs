using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Neurolink.Recording;

/// <summary>An .npy file being written, whatever its element type.</summary>
public interface INpyFile : IDisposable
{
    /// <summary>Writes the buffered values to the file and the length into the header.</summary>
    void Flush();
}

/// <summary>
/// A one-dimensional NumPy <c>.npy</c> file written as it grows: the header has room for any
/// length and is rewritten with the length at every <see cref="Flush"/>, so a file cut off by a
/// crash still opens with numpy up to its last flush (and its data length says the rest).
/// </summary>
/// <typeparam name="T">long (&lt;i8), double (&lt;f8), int (&lt;i4), short (&lt;i2) or byte (|u1).</typeparam>
public sealed class NpyWriter<T> : INpyFile
    where T : unmanaged
{
    /// <summary>Header bytes: magic, version, length, and the padded dictionary (a multiple of 64).</summary>
    public const int HeaderBytes = 128;

    private readonly FileStream _file;
    private readonly string _descr;
    private long _count;
    private long _flushed = -1;

    /// <summary>Creates (or replaces) the file.</summary>
    public NpyWriter(string path)
    {
        _descr = typeof(T) == typeof(long) ? "<i8" : typeof(T) == typeof(double) ? "<f8" : typeof(T) == typeof(int) ? "<i4"
            : typeof(T) == typeof(short) ? "<i2" : typeof(T) == typeof(byte) ? "|u1"
            : throw new NotSupportedException($"no .npy type for {typeof(T).Name}");
        _file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
        WriteHeader(0);
    }

    /// <summary>Values written.</summary>
    public long Count => _count;

    /// <summary>Appends values.</summary>
    public void Append(ReadOnlySpan<T> values)
    {
        _file.Write(MemoryMarshal.AsBytes(values));
        _count += values.Length;
    }

    /// <summary>Appends one value.</summary>
    public void Append(T value) => Append(new ReadOnlySpan<T>(in value));

    /// <summary>Writes the buffered values to the file and the length into the header.</summary>
    public void Flush()
    {
        _file.Flush();
        if (_flushed != _count)
        {
            long end = _file.Position;
            WriteHeader(_count);
            _file.Position = end;
            _file.Flush();
            _flushed = _count;
        }
    }

    /// <summary>Flushes and closes.</summary>
    public void Dispose()
    {
        Flush();
        _file.Dispose();
    }

    private void WriteHeader(long count)
    {
        string dict = string.Create(CultureInfo.InvariantCulture, $"{{'descr': '{_descr}', 'fortran_order': False, 'shape': ({count},), }}");
        var header = new byte[HeaderBytes];
        header[0] = 0x93;
        "NUMPY"u8.CopyTo(header.AsSpan(1));
        header[6] = 1; // version 1.0
        header[7] = 0;
        BitConverter.TryWriteBytes(header.AsSpan(8), (ushort)(HeaderBytes - 10));
        header.AsSpan(10).Fill((byte)' ');
        Encoding.ASCII.GetBytes(dict, header.AsSpan(10));
        header[^1] = (byte)'\n';
        _file.Position = 0;
        _file.Write(header);
    }
}
