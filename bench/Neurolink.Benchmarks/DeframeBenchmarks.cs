using BenchmarkDotNet.Attributes;

namespace Neurolink.Benchmarks;

/// <summary>
/// BenchmarkDotNet version of the deframer benchmark: 64 MiB of RAW_SAMPLES frames per
/// operation, the plain copy as the baseline. BenchmarkDotNet's Ratio column is a ratio of
/// times: at most 2.0 on the deframer row means at least half of the copy speed.
/// </summary>
[MemoryDiagnoser]
public class DeframeBenchmarks
{
    private RawFrameFeed _stream = null!;

    [GlobalSetup]
    public void Setup() => _stream = new RawFrameFeed(1024);

    [GlobalCleanup]
    public void Cleanup() => _stream.Dispose();

    [Benchmark(Baseline = true, Description = "memcpy 64 MiB in 64 KiB reads")]
    public int Copy() => _stream.Copy();

    [Benchmark(Description = "deframe + CRC-32C 64 MiB in 64 KiB reads")]
    public long Deframe() => _stream.Deframe();
}
