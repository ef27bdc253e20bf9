using BenchmarkDotNet.Attributes;

namespace Neurolink.Benchmarks;

/// <summary>
/// BenchmarkDotNet version of the deframer benchmark: 64 MiB of RAW_SAMPLES frames per
/// operation, the plain copy as the baseline. Ratio &gt;= 0.5 on the deframer row means at least
/// half of the copy speed (a ratio of 2.0 in BenchmarkDotNet's time column).
/// </summary>
[MemoryDiagnoser]
public sealed class DeframeBenchmarks : IDisposable
{
    private RawFrameFeed _stream = null!;

    [GlobalSetup]
    public void Setup() => _stream = new RawFrameFeed(1024);

    [GlobalCleanup]
    public void Cleanup() => _stream.Dispose();

    public void Dispose() => _stream?.Dispose();

    [Benchmark(Baseline = true, Description = "memcpy 64 MiB in 64 KiB reads")]
    public int Copy() => _stream.Copy();

    [Benchmark(Description = "deframe + CRC-32C 64 MiB in 64 KiB reads")]
    public long Deframe() => _stream.Deframe();
}
