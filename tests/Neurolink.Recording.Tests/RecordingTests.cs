using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Neurolink.Device.Acquisition;
using Neurolink.Emulator;
using Neurolink.Protocol;
using Neurolink.Protocol.Payloads;
using Xunit.Abstractions;

namespace Neurolink.Recording.Tests;

/// <summary>Recordings from the emulator, read back byte for byte, with numpy, and after a simulated crash.</summary>
public class RecordingTests(ITestOutputHelper output)
{
    [Fact]
    public void A_recording_holds_every_raw_sample_the_acquisition_delivered_in_the_open_ephys_layout()
    {
        string dir = Temp();
        (short[] expected, long firstSample, int channels) = Record(dir, "emu://?channels=128&seed=5", TimeSpan.FromSeconds(2), crashCopy: null);
        string rec = Path.Combine(dir, OpenEphysRecorder.RecordingFolder);

        using JsonDocument oebin = JsonDocument.Parse(File.ReadAllText(Path.Combine(rec, "structure.oebin")));
        JsonElement stream = oebin.RootElement.GetProperty("continuous")[0];
        Assert.Equal(channels, stream.GetProperty("num_channels").GetInt32());
        Assert.Equal(30_000, stream.GetProperty("sample_rate").GetDouble());
        Assert.Equal(channels, stream.GetProperty("channels").GetArrayLength());
        string folder = Path.Combine(rec, "continuous", stream.GetProperty("folder_name").GetString()!);

        short[] dat = MemoryMarshal.Cast<byte, short>(File.ReadAllBytes(Path.Combine(folder, "continuous.dat"))).ToArray();
        Assert.True(dat.Length > 30_000 * channels, $"{dat.Length / channels} rows");
        Assert.Equal(expected, dat);
        long[] numbers = Npy<long>(Path.Combine(folder, "sample_numbers.npy"));
        double[] times = Npy<double>(Path.Combine(folder, "timestamps.npy"));
        Assert.Equal(dat.Length / channels, numbers.Length);
        Assert.Equal(numbers.Length, times.Length);
        Assert.Equal(firstSample, numbers[0]);
        for (int i = 1; i < numbers.Length; i++)
        {
            Assert.True(numbers[i] == numbers[i - 1] + 1, $"sample {i}: {numbers[i - 1]} then {numbers[i]} with no loss recorded");
        }

        Assert.Equal(numbers[^1] / 30_000.0, times[^1]);
        Assert.True(Npy<long>(Path.Combine(rec, "events", "Neurolink-100.spike_events", "sample_numbers.npy")).Length > 0);
    }

    [Fact]
    public void Numpy_reads_the_recording_and_a_copy_taken_mid_run_as_a_crash_would_leave_it()
    {
        string python = "/usr/bin/python3";
        if (!File.Exists(python) || Run(python, "-c \"import numpy\"").Code != 0)
        {
            output.WriteLine("numpy is not installed here (apt-get install -y python3-numpy): the numpy check did not run");
            return;
        }

        string dir = Temp(), crash = Temp();
        (short[] expected, _, int channels) = Record(dir, "emu://?channels=64&seed=2", TimeSpan.FromSeconds(3), crashCopy: crash);
        string script = """
            import json, sys, numpy as np
            rec = sys.argv[1]
            oebin = json.load(open(rec + "/structure.oebin"))
            c = oebin["continuous"][0]
            folder = rec + "/continuous/" + c["folder_name"]
            n = c["num_channels"]
            data = np.memmap(folder + "continuous.dat", dtype="<i2", mode="r")
            rows = len(data) // n
            data = data[: rows * n].reshape(rows, n)
            numbers = np.load(folder + "sample_numbers.npy")
            times = np.load(folder + "timestamps.npy")
            assert len(numbers) <= rows and len(times) == len(numbers), (len(numbers), rows)
            print(rows, len(numbers), int(data.astype(np.int64).sum()), int(numbers[0]))
            """;
        string file = Path.Combine(dir, "check.py");
        File.WriteAllText(file, script);
        (int code, string text) = Run(python, $"{file} \"{Path.Combine(dir, OpenEphysRecorder.RecordingFolder)}\"");
        Assert.True(code == 0, text);
        string[] f = text.Trim().Split(' ');
        Assert.Equal(expected.Length / channels, long.Parse(f[0], CultureInfo.InvariantCulture));
        Assert.Equal(expected.Length / channels, long.Parse(f[1], CultureInfo.InvariantCulture));
        Assert.Equal(expected.Sum(x => (long)x), long.Parse(f[2], CultureInfo.InvariantCulture));

        // The copy taken while recording (after at least one flush) opens too, up to its last flush.
        (code, text) = Run(python, $"{file} \"{Path.Combine(crash, OpenEphysRecorder.RecordingFolder)}\"");
        Assert.True(code == 0, "a recording cut off mid-run did not open: " + text);
        Assert.True(long.Parse(text.Trim().Split(' ')[1], CultureInfo.InvariantCulture) > 0, text);
    }

    [Fact]
    public void Losses_are_written_as_records_and_never_as_zeros()
    {
        string dir = Temp();
        // A device FIFO too small for the raw stream with a slow start: the device reports GAPs.
        (short[] expected, _, int channels) = Record(dir, "emu://?channels=256&faults=drop:2e-3", TimeSpan.FromSeconds(2), crashCopy: null);
        string rec = Path.Combine(dir, OpenEphysRecorder.RecordingFolder);
        string[] losses = File.ReadAllLines(Path.Combine(rec, "losses.jsonl"));
        Assert.NotEmpty(losses);
        Assert.All(losses, l => Assert.Contains("\"kind\":", l, StringComparison.Ordinal));
        long[] numbers = Npy<long>(Path.Combine(rec, "continuous", "Neurolink-100.raw", "sample_numbers.npy"));
        int jumps = 0;
        for (int i = 1; i < numbers.Length; i++)
        {
            jumps += numbers[i] != numbers[i - 1] + 1 ? 1 : 0;
        }

        Assert.True(jumps > 0, "frames were dropped, yet the sample numbers never jump");
        Assert.Equal(expected.Length / channels, numbers.Length); // only what came was written
    }

    [Fact]
    public void A_directory_holding_a_recording_is_refused()
    {
        string dir = Temp();
        Record(dir, "emu://?channels=16", TimeSpan.FromMilliseconds(300), crashCopy: null);
        using var ring = new FrameRing();
        using RingConsumer consumer = ring.AddConsumer("x");
        var e = Assert.Throws<IOException>(() => new OpenEphysRecorder(consumer, new RecordingSource("emu://", 16, 30_000, 195), dir));
        Assert.Contains("already holds a recording", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_recording_replayed_as_a_device_gives_back_its_frames_and_records_the_same()
    {
        string original = Temp(), replayed = Temp();
        RecordThrough($"emu://?channels=32&seed=9", original, TimeSpan.FromSeconds(1.5));
        var sw = Stopwatch.StartNew();
        RecordThrough($"file://{original}?speed=max", replayed, TimeSpan.FromSeconds(60)); // ends by itself at the end of the recording
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), "the replay did not end at the end of the recording");

        string a = Path.Combine(original, OpenEphysRecorder.RecordingFolder), b = Path.Combine(replayed, OpenEphysRecorder.RecordingFolder);
        byte[] datA = File.ReadAllBytes(Path.Combine(a, "continuous", "Neurolink-100.raw", "continuous.dat"));
        byte[] datB = File.ReadAllBytes(Path.Combine(b, "continuous", "Neurolink-100.raw", "continuous.dat"));
        int frameBytes = 32 * 2 * 32; // 32 rows a frame: a partial last frame is not sent again
        Assert.True(datB.Length > datA.Length - frameBytes && datB.Length <= datA.Length, $"{datA.Length} bytes recorded, {datB.Length} replayed");
        Assert.True(datA.AsSpan(0, datB.Length).SequenceEqual(datB), "the replayed samples differ");
        long[] numbersA = Npy<long>(Path.Combine(a, "continuous", "Neurolink-100.raw", "sample_numbers.npy"));
        long[] numbersB = Npy<long>(Path.Combine(b, "continuous", "Neurolink-100.raw", "sample_numbers.npy"));
        Assert.Equal(numbersA[..numbersB.Length], numbersB); // the same clocks, from the recording's first sample number

        // Spike events are detected again on the replaying device, from the same samples, with the same settings.
        long[] eventsA = Npy<long>(Path.Combine(a, "events", "Neurolink-100.spike_events", "sample_numbers.npy"));
        long[] eventsB = Npy<long>(Path.Combine(b, "events", "Neurolink-100.spike_events", "sample_numbers.npy"));
        Assert.NotEmpty(eventsB);
        long end = numbersB[^1] - 64;
        Assert.Equal(eventsA.Where(e => e < end), eventsB.Where(e => e < end));
    }

    [Fact]
    public void A_replay_keeps_the_recordings_gaps_where_they_were_and_reports_each_with_a_gap()
    {
        string original = Temp(), replayed = Temp();
        RecordThrough("emu://?channels=32&seed=4&faults=drop:1e-2", original, TimeSpan.FromSeconds(1.5)); // frames lost on the link: the sample numbers jump
        RecordThrough($"file://{original}?speed=max", replayed, TimeSpan.FromSeconds(60));

        string a = Path.Combine(original, OpenEphysRecorder.RecordingFolder), b = Path.Combine(replayed, OpenEphysRecorder.RecordingFolder);
        long[] numbersA = Npy<long>(Path.Combine(a, "continuous", "Neurolink-100.raw", "sample_numbers.npy"));
        long[] numbersB = Npy<long>(Path.Combine(b, "continuous", "Neurolink-100.raw", "sample_numbers.npy"));
        List<(long From, long To)> jumps = Jumps(numbersB);
        Assert.True(Jumps(numbersA).Count >= 2, "the original recording lost nothing: the fault did not work");
        Assert.True(numbersB.Length > numbersA.Length - 64, $"{numbersA.Length} rows recorded, {numbersB.Length} replayed");
        Assert.Equal(numbersA[..numbersB.Length], numbersB); // the same clocks, jumps included
        byte[] datA = File.ReadAllBytes(Path.Combine(a, "continuous", "Neurolink-100.raw", "continuous.dat"));
        byte[] datB = File.ReadAllBytes(Path.Combine(b, "continuous", "Neurolink-100.raw", "continuous.dat"));
        Assert.True(datA.AsSpan(0, datB.Length).SequenceEqual(datB), "the replayed samples differ");

        // Each jump of the replay is reported by device GAPs (NOT_RECORDED) of exactly the missing
        // samples: one on the raw stream, and on the events stream one per bin the jump spans.
        var gaps = File.ReadAllLines(Path.Combine(b, "losses.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(l => l.GetProperty("kind").GetString() == "device_gap")
            .Select(l => (First: l.GetProperty("first_sample").GetInt64(), End: l.GetProperty("end_sample").GetInt64(), Detail: l.GetProperty("detail").GetString()))
            .ToList();
        Assert.All(gaps, g => Assert.Equal("NotRecorded", g.Detail));
        foreach ((long from, long to) in jumps)
        {
            var inside = gaps.Where(g => g.First > from && g.End <= to).ToList();
            Assert.True(inside.Contains((from + 1, to, "NotRecorded")), $"the jump {from} -> {to} has no GAP of its own on the raw stream; gaps: {string.Join(", ", inside)}");
            Assert.Equal(2 * (to - from - 1), inside.Sum(g => g.End - g.First));
        }

        Assert.All(gaps.Where(g => g.End <= numbersB[^1]), g => Assert.Contains(jumps, j => g.First > j.From && g.End <= j.To));
    }

    [Fact]
    public void A_replay_at_real_time_starts_at_the_recordings_first_sample_number_and_plays_it_to_the_end()
    {
        string original = Temp(), replayed = Temp();
        RecordThrough("emu://?channels=16&seed=6", original, TimeSpan.FromSeconds(1));
        Thread.Sleep(300); // the replaying device's clock must not run while no one listens
        RecordThrough($"file://{original}", replayed, TimeSpan.FromSeconds(20));

        string a = Path.Combine(original, OpenEphysRecorder.RecordingFolder), b = Path.Combine(replayed, OpenEphysRecorder.RecordingFolder);
        long[] numbersA = Npy<long>(Path.Combine(a, "continuous", "Neurolink-100.raw", "sample_numbers.npy"));
        long[] numbersB = Npy<long>(Path.Combine(b, "continuous", "Neurolink-100.raw", "sample_numbers.npy"));
        Assert.Equal(numbersA[0], numbersB[0]);
        Assert.True(numbersB.Length > numbersA.Length - 64, $"{numbersA.Length} rows recorded, {numbersB.Length} replayed: the replay was cut short");
        Assert.Equal(numbersA[..numbersB.Length], numbersB);
    }

    private static List<(long From, long To)> Jumps(long[] numbers)
    {
        var jumps = new List<(long, long)>();
        for (int i = 1; i < numbers.Length; i++)
        {
            if (numbers[i] != numbers[i - 1] + 1)
            {
                jumps.Add((numbers[i - 1], numbers[i]));
            }
        }

        return jumps;
    }

    [Fact]
    public void Replaying_a_directory_with_no_recording_says_so()
    {
        using var opener = new Neurolink.Host.DeviceOpener();
        var e = Assert.Throws<Neurolink.Transport.TransportException>(() => opener.Open(Neurolink.Transport.DeviceUri.Parse($"file://{Temp()}")));
        Assert.Contains("no recording in", e.Message, StringComparison.Ordinal);
    }

    /// <summary>What neurolink record does: a device through DeviceOpener, recorded until the time is up or a replay ends.</summary>
    private static void RecordThrough(string uri, string dir, TimeSpan limit)
    {
        using var opener = new Neurolink.Host.DeviceOpener();
        Neurolink.Transport.DeviceUri device = Neurolink.Transport.DeviceUri.Parse(uri);
        using var session = new AcquisitionSession(_ => opener.Open(device), new AcquisitionOptions { Streams = StreamMask.Raw | StreamMask.Events, Reconnect = false });
        RingConsumer consumer = session.Ring.AddConsumer("recorder");
        session.Start();
        using (var recorder = new OpenEphysRecorder(consumer, Neurolink.Host.DeviceOpener.RecordingSourceFor(session, device, null), dir))
        {
            recorder.Start();
            var wall = Stopwatch.StartNew();
            while (wall.Elapsed < limit && !opener.ReplayFinished)
            {
                Thread.Sleep(20);
            }

            // A replay that ended goes away: once the session has seen the link close, the
            // reader has read every frame before it (however slow a loaded host is).
            var settle = Stopwatch.StartNew();
            while (opener.ReplayFinished && session.State != LinkState.Ended && settle.Elapsed < TimeSpan.FromSeconds(10))
            {
                Thread.Sleep(20);
            }

            Thread.Sleep(200); // the last frames through the reader of a device that is still there
            session.Stop();
        }
    }

    [Fact]
    public void The_probe_map_is_written_as_probeinterface_and_a_wrong_probe_file_is_refused()
    {
        string dir = Temp();
        var positions = Enumerable.Range(0, 16).Select(i => (X: (double)(i % 4) * 400, Y: (double)(i / 4) * 400)).ToArray();
        using (var ring = new FrameRing())
        using (var recorder = new OpenEphysRecorder(ring.AddConsumer("r"), new RecordingSource("emu://", 16, 30_000, 195, new ProbeMap("grid", positions)), dir))
        {
        }

        using JsonDocument probe = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, OpenEphysRecorder.RecordingFolder, "probe.json")));
        Assert.Equal("probeinterface", probe.RootElement.GetProperty("specification").GetString());
        JsonElement p = probe.RootElement.GetProperty("probes")[0];
        Assert.Equal(16, p.GetProperty("contact_positions").GetArrayLength());
        Assert.Equal(1200, p.GetProperty("contact_positions")[15][0].GetDouble());
        Assert.Equal(15, p.GetProperty("device_channel_indices")[15].GetInt32());

        string wrong = Path.Combine(Temp(), "probe.json");
        File.WriteAllText(wrong, new ProbeMap("small", positions[..8]).ToJson());
        using var ring2 = new FrameRing();
        var e = Assert.Throws<InvalidDataException>(() => new OpenEphysRecorder(ring2.AddConsumer("r"), new RecordingSource("emu://", 16, 30_000, 195, ProbeFile: wrong), Temp()));
        Assert.Contains("maps 8 contacts", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Records <paramref name="uri"/> for a while; returns the raw samples a second consumer saw, interleaved as full rows.</summary>
    private static (short[] Samples, long FirstSample, int Channels) Record(string dir, string uri, TimeSpan duration, string? crashCopy)
    {
        var (emulator, connector) = HeadstageEmulator.StartInProcess(EmulatorOptions.FromUri(uri));
        using (emulator)
        using (connector)
        {
            using var session = new AcquisitionSession(_ => connector.Connect(uri), new AcquisitionOptions { Streams = StreamMask.Raw | StreamMask.Events });
            RingConsumer forRecorder = session.Ring.AddConsumer("recorder");
            using RingConsumer check = session.Ring.AddConsumer("check");
            session.Start();
            int channels = (int)session.Capabilities!.ChannelCount;
            var samples = new List<short>();
            long first = -1;
            using (var recorder = new OpenEphysRecorder(forRecorder, new RecordingSource(uri, channels, session.SampleRateHz, session.Capabilities.RawScaleNv), dir) { FlushInterval = TimeSpan.FromMilliseconds(200) })
            {
                recorder.Start();
                var wall = Stopwatch.StartNew();
                bool copied = false;
                while (wall.Elapsed < duration)
                {
                    Drain(check, samples, ref first);
                    if (crashCopy is not null && !copied && wall.Elapsed > duration / 2)
                    {
                        Copy(Path.Combine(dir, OpenEphysRecorder.RecordingFolder), Path.Combine(crashCopy, OpenEphysRecorder.RecordingFolder));
                        copied = true;
                    }

                    check.WaitForData(TimeSpan.FromMilliseconds(20));
                }

                session.Stop();
                Drain(check, samples, ref first);
            }

            return ([.. samples], first, channels);
        }
    }

    private static void Drain(RingConsumer check, List<short> samples, ref long first)
    {
        while (check.TryRead(out RingItem item))
        {
            if (item.Kind == RingItemKind.Frame && item.Frame.Type == FrameType.RawSamples && RawSamples.TryRead(item.Frame.Payload, out RawSamples raw, out _))
            {
                Assert.Equal(0, raw.FirstChannel); // these emulators send every channel in one frame
                first = first < 0 ? (long)item.Frame.Header.SampleClock : first;
                foreach (short s in raw.Samples)
                {
                    samples.Add(s);
                }
            }
        }
    }

    private static T[] Npy<T>(string path)
        where T : unmanaged
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal(0x93, bytes[0]);
        Assert.Equal("NUMPY", Encoding.ASCII.GetString(bytes, 1, 5));
        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        int open = header.IndexOf("'shape': (", StringComparison.Ordinal) + 10;
        long count = long.Parse(header[open..header.IndexOf(',', open)], CultureInfo.InvariantCulture);
        T[] values = MemoryMarshal.Cast<byte, T>(bytes.AsSpan(10 + headerLength)).ToArray();
        Assert.Equal(count, values.Length);
        return values;
    }

    private static void Copy(string from, string to)
    {
        foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            using var source = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using FileStream copy = File.Create(target);
            source.CopyTo(copy);
        }
    }

    private static string Temp()
    {
        string dir = Path.Combine(Path.GetTempPath(), "neurolink-rec-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static (int Code, string Text) Run(string file, string arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process p = Process.Start(start)!;
        string text = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, text);
    }
}
