using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Neurolink.Emulator;

/// <summary>
/// The raw rows of an Open Ephys binary recording (as <c>neurolink record</c> writes it), read in
/// order from its continuous.dat, for a device that replays it. Only whole rows count: a file cut
/// off mid-row (a crash) ends at the last whole one.
/// </summary>
public sealed class RecordedRows : IDisposable
{
    private readonly FileStream _dat;

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
            FirstSample = FirstNumber(Path.Combine(data, "sample_numbers.npy"));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException or IOException)
        {
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

    /// <summary>Whole rows in the recording.</summary>
    public long Rows { get; }

    /// <summary>Rows read so far.</summary>
    public long RowsRead { get; private set; }

    /// <summary>Reads the next <paramref name="rows"/> rows into <paramref name="destination"/>; fewer at the end (returns how many).</summary>
    public int Read(Span<short> destination, int rows)
    {
        int n = (int)Math.Min(rows, Rows - RowsRead);
        _dat.ReadExactly(MemoryMarshal.AsBytes(destination[..(n * Channels)]));
        RowsRead += n;
        return n;
    }

    /// <inheritdoc/>
    public void Dispose() => _dat.Dispose();

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

    private static ulong FirstNumber(string npy)
    {
        byte[] head = new byte[4096];
        using FileStream f = File.OpenRead(npy);
        int n = f.Read(head);
        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(8));
        string header = Encoding.ASCII.GetString(head, 10, headerLength);
        if (!header.Contains("'<i8'", StringComparison.Ordinal) || n < 10 + headerLength + 8)
        {
            return 0; // empty or foreign: replay from 0
        }

        return (ulong)BinaryPrimitives.ReadInt64LittleEndian(head.AsSpan(10 + headerLength));
    }
}
