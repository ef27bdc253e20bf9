using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BenchmarkDotNet.Running;
using Neurolink.Benchmarks;
using Neurolink.Protocol;

// usage:
//   deframe [--frames N] [--repeats R] [--json FILE]   quick run: best of R, one JSON line
//   bdn [BenchmarkDotNet arguments]                    the full BenchmarkDotNet run
if (args.Length > 0 && args[0] == "bdn")
{
    BenchmarkSwitcher.FromAssembly(typeof(DeframeBenchmarks).Assembly).Run(args[1..]);
    return 0;
}

if (args.Length > 0 && args[0] == "ingest")
{
    int channels = 6144;
    double seconds = 60, warmup = 3;
    string transport = "inproc";
    int fifo = 8 << 20;
    string? output = null;
    for (int i = 1; i + 1 < args.Length; i += 2)
    {
        switch (args[i])
        {
            case "--channels": channels = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
            case "--seconds": seconds = double.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
            case "--warmup": warmup = double.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
            case "--transport" when args[i + 1] is "inproc" or "tcp": transport = args[i + 1]; break;
            case "--fifo-bytes": fifo = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
            case "--json": output = args[i + 1]; break;
            default:
                Console.Error.WriteLine($"bad option {args[i]} {args[i + 1]}; the options are --channels N, --seconds S, --warmup S, --transport inproc|tcp, --fifo-bytes B and --json FILE");
                return 2;
        }
    }

    string report = JsonSerializer.Serialize(IngestBench.Run(channels, seconds, transport, warmup, fifo));
    Console.WriteLine(report);
    if (output is not null)
    {
        await File.AppendAllTextAsync(output, report + "\n");
    }

    return 0;
}

if (args.Length == 0 || args[0] != "deframe")
{
    Console.Error.WriteLine("usage: Neurolink.Benchmarks deframe [--frames N] [--repeats R] [--json FILE] | ingest [--channels N] [--seconds S] [--transport inproc|tcp] [--json FILE] | bdn [BenchmarkDotNet arguments]");
    return 2;
}

int frames = 1024, repeats = 7;
string? json = null;
for (int i = 1; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--frames": frames = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--repeats": repeats = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--json": json = args[i + 1]; break;
        default:
            Console.Error.WriteLine($"unknown option {args[i]}; the options are --frames, --repeats and --json");
            return 2;
    }
}

using var stream = new RawFrameFeed(frames);
double bestCopy = double.MaxValue, bestDeframe = double.MaxValue;
for (int r = 0; r < repeats + 1; r++)
{
    var watch = Stopwatch.StartNew();
    stream.Copy();
    double copy = watch.Elapsed.TotalSeconds;
    watch.Restart();
    stream.Deframe();
    double deframe = watch.Elapsed.TotalSeconds;
    if (r > 0)
    {
        // The first round is warm-up (tiered JIT).
        bestCopy = Math.Min(bestCopy, copy);
        bestDeframe = Math.Min(bestDeframe, deframe);
    }
}

DeframerCounters counters = stream.Counters;
if (counters.Frames != (long)frames * (repeats + 1) || counters.DiscardedBytes != 0 || counters.FrameCrcErrors != 0)
{
    Console.Error.WriteLine($"the benchmark stream did not deframe cleanly: {counters}");
    return 1;
}

var result = new Dictionary<string, object>
{
    ["codec"] = "csharp",
    ["crc"] = Crc32C.IsHardwareAccelerated ? "hardware" : "table",
    ["frames"] = frames,
    ["bytes"] = stream.Bytes.Length,
    ["copy_mb_s"] = Math.Round(stream.Bytes.Length / bestCopy / 1e6),
    ["deframe_mb_s"] = Math.Round(stream.Bytes.Length / bestDeframe / 1e6),
    ["ratio"] = Math.Round(bestCopy / bestDeframe, 3),
};
string line = JsonSerializer.Serialize(result);
Console.WriteLine(line);
if (json is not null)
{
    await File.WriteAllTextAsync(json, line + "\n");
}

return 0;
