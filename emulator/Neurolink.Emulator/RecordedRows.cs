using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Neurolink.Emulator;

/// <summary>
/// The raw rows of an Open Ephys binary recording (as <c>neurolink record</c> writes it), read in
/// order from its continuous.dat with their sample numbers, for a device that replays it. Where
/// the recording lost data its sample numbers jump; <see cref="Read"/> stops at each jump, so
/// the replaying device sends nothing for the missing samples and says so with a GAP frame. Only
/// whole rows with a sample number count: files cut off by a crash end at the last such row.
/// </summary>
public sealed class RecordedRows : IDisposable
{
    private readonly FileStream _dat;
    private readonly FileStream? _numbers; // sample_numbers.npy at its data, or null: the rows are contiguous from 0
    private readonly long[] _ahead = new long[4096];
    private int _aheadAt, _aheadCount;

    /// <summary>Opens the recording in <paramref name="directory"/> (the folder holding structure.oebin, or a directory above it).</summary>
    /// <exception cref="FormatException">No recording there, or not one this replays; the message says what is wrong.</exception>
    public RecordedRows(string directory)
    {
        string? folder = Find(directory) ?? throw new FormatException($"no recording in {directory}: no structure.oebin there or below it; give the --out directory of `neurolink record` or `neurolink run --record`");
        Folder = folder;
        try
        {
            using JsonDocument oebin = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "structure.oebin")));
            JsonElement stream = oebin.RootElement.GetProperty("continuous")[0];
            Channels = stream.GetProperty("num_channels").GetInt32();
            SampleRateHz = stream.GetProperty("sample_rate").GetDouble();
            string data = Path.Combine(folder, "continuous", stream.GetProperty("folder_name").GetString()!.TrimEnd('/'));
            _dat = new FileStream(Path.Combine(data, "continuous.dat"), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            Rows = _dat.Length / (2L * Channels);
            _numbers = OpenNumbers(Path.Combine(data, "sample_numbers.npy"));
            if (_numbers is not null)
            {
                Rows = Math.Min(Rows, (_numbers.Length - _numbers.Position) / 8);
                long at = _numbers.Position;
                if (Rows > 0)
                {
                    FirstSample = (ulong)ReadNumberAt(at);
                    LastSample = (ulong)ReadNumberAt(at + ((Rows - 1) * 8));
                }

                _numbers.Position = at;
            }
            else
            {
                LastSample = Rows > 0 ? (ulong)Rows - 1 : 0;
            }

            NextSample = Rows > 0 ? FirstSample : ulong.MaxValue;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException or IOException)
        {
            _dat?.Dispose();
            _numbers?.Dispose();
            throw new FormatException($"the recording in {folder} cannot be replayed: {e.Message}", e);
        }
    }

    /// <summary>The folder holding structure.oebin.</summary>
    public string Folder { get; }

    /// <summary>Channels per row.</summary>
    public int Channels { get; }

    /// <summary>The recording's sample rate.</summary>
    public double SampleRateHz { get; }

    /// <summary>The device sample number of the first row.</summary>
    public ulong FirstSample { get; }

    /// <summary>The device sample number of the last row: a replay ends after it.</summary>
    public ulong LastSample { get; }

    /// <summary>The sample number of the next row <see cref="Read"/> gives; <see cref="ulong.MaxValue"/> after the last.</summary>
    public ulong NextSample { get; private set; }

    /// <summary>Whole rows in the recording.</summary>
    public long Rows { get; }

    /// <summary>Rows read so far.</summary>
    public long RowsRead { get; private set; }

    /// <summary>Rows skipped because their sample numbers went back in time (a damaged recording).</summary>
    public long RowsOutOfOrder { get; private set; }

    /// <summary>
    /// Reads up to <paramref name="rows"/> rows into <paramref name="destination"/>, the first at
    /// <see cref="NextSample"/>, stopping before a jump in the sample numbers or at the end;
    /// returns how many.
    /// </summary>
    public int Read(Span<short> destination, int rows)
    {
        int n = 0;
        ulong first = NextSample;
        while (n < rows && RowsRead + n < Rows && Peek(n) == first + (ulong)n)
        {
            n++;
        }

        _dat.ReadExactly(MemoryMarshal.AsBytes(destination[..(n * Channels)]));
        Consume(n);
        return n;
    }

    /// <summary>Skips rows numbered before <paramref name="sample"/> (sample numbers that went back in time); returns how many.</summary>
    public int SkipBefore(ulong sample)
    {
        int n = 0;
        while (RowsRead < Rows && NextSample < sample)
        {
            _dat.Seek(2L * Channels, SeekOrigin.Current);
            Consume(1);
            n++;
        }

        RowsOutOfOrder += n;
        return n;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _dat.Dispose();
        _numbers?.Dispose();
    }

    /// <summary>The sample number of the row <paramref name="k"/> after the next.</summary>
    private ulong Peek(int k)
    {
        if (_numbers is null)
        {
            return (ulong)(RowsRead + k);
        }

        if (_aheadAt + k >= _aheadCount)
        {
            // Refill: keep what is unread at the front.
            int left = _aheadCount - _aheadAt;
            Array.Copy(_ahead, _aheadAt, _ahead, 0, left);
            _aheadAt = 0;
            _aheadCount = left;
            int want = (int)Math.Min(_ahead.Length - left, Rows - RowsRead - left);
            _numbers.ReadExactly(MemoryMarshal.AsBytes(_ahead.AsSpan(left, want)));
            _aheadCount += want;
        }

        return (ulong)_ahead[_aheadAt + k];
    }

    private void Consume(int n)
    {
        if (_numbers is not null)
        {
            _ = n > 0 ? Peek(n - 1) : 0; // the numbers of the rows consumed are buffered
            _aheadAt += n;
        }

        RowsRead += n;
        NextSample = RowsRead < Rows ? Peek(0) : ulong.MaxValue;
    }

    private long ReadNumberAt(long position)
    {
        Span<byte> eight = stackalloc byte[8];
        _numbers!.Position = position;
        _numbers.ReadExactly(eight);
        return BinaryPrimitives.ReadInt64LittleEndian(eight);
    }

    private static string? Find(string directory)
    {
        if (File.Exists(Path.Combine(directory, "structure.oebin")))
        {
            return directory;
        }

        return Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory, "structure.oebin", SearchOption.AllDirectories).Select(Path.GetDirectoryName).FirstOrDefault()
            : null;
    }

    /// <summary>The sample numbers positioned at their first value, or null when there are none this can read (rows then count from 0).</summary>
    private static FileStream? OpenNumbers(string npy)
    {
        if (!File.Exists(npy))
        {
            return null;
        }

        var f = new FileStream(npy, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        byte[] head = new byte[4096];
        int n = f.Read(head);
        int headerLength = n >= 10 ? BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(8)) : 0;
        if (n < 10 + headerLength || !Encoding.ASCII.GetString(head, 10, headerLength).Contains("'<i8'", StringComparison.Ordinal))
        {
            f.Dispose();
            return null; // foreign: replay from 0
        }

        f.Position = 10 + headerLength;
        return f;
    }
}
