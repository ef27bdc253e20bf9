namespace Neurolink.Host;

/// <summary>
/// Latencies in microseconds, recorded without allocation or locks by one writer: 1 us buckets
/// up to 1 ms, then 10 us buckets up to 100 ms, then one overflow bucket (its largest value is
/// kept exactly as the maximum). Quantiles are the upper edge of the bucket they fall in.
/// Readers on other threads take a <see cref="Snapshot"/>.
/// </summary>
public sealed class LatencyHistogram
{
    private const int Fine = 1000;     // 0..999 us, 1 us wide
    private const int Coarse = 9900;   // 1 ms .. 100 ms, 10 us wide
    private readonly long[] _buckets = new long[Fine + Coarse + 1];
    private long _count;
    private double _max;

    /// <summary>Values recorded.</summary>
    public long Count => Volatile.Read(ref _count);

    /// <summary>Records one latency (negative values count as 0).</summary>
    public void Record(double microseconds)
    {
        double us = Math.Max(0, microseconds);
        int b = us < Fine ? (int)us : us < 100_000 ? Fine + (int)((us - Fine) / 10) : _buckets.Length - 1;
        Interlocked.Increment(ref _buckets[b]);
        if (us > Volatile.Read(ref _max))
        {
            Volatile.Write(ref _max, us);
        }

        Interlocked.Increment(ref _count);
    }

    /// <summary>Forgets everything recorded.</summary>
    public void Clear()
    {
        for (int b = 0; b < _buckets.Length; b++)
        {
            Interlocked.Exchange(ref _buckets[b], 0);
        }

        Volatile.Write(ref _max, 0);
        Volatile.Write(ref _count, 0);
    }

    /// <summary>The quantiles the loop reports, from a copy of the buckets.</summary>
    public LatencySummary Snapshot()
    {
        long[] copy = new long[_buckets.Length];
        long total = 0;
        for (int b = 0; b < copy.Length; b++)
        {
            copy[b] = Interlocked.Read(ref _buckets[b]);
            total += copy[b];
        }

        double max = Volatile.Read(ref _max);
        return new LatencySummary(Quantile(copy, total, 0.5, max), Quantile(copy, total, 0.99, max), Quantile(copy, total, 0.999, max), total == 0 ? double.NaN : max, total);
    }

    private static double Quantile(long[] buckets, long total, double q, double max)
    {
        if (total == 0)
        {
            return double.NaN;
        }

        long rank = Math.Max(1, (long)Math.Ceiling(q * total));
        long seen = 0;
        for (int b = 0; b < buckets.Length; b++)
        {
            seen += buckets[b];
            if (seen >= rank)
            {
                double upper = b < Fine ? b + 1 : b < Fine + Coarse ? Fine + ((b - Fine + 1) * 10.0) : max;
                return Math.Min(upper, max);
            }
        }

        return max;
    }
}

/// <summary>Latency quantiles in microseconds (NaN before the first value).</summary>
/// <param name="P50">Median.</param>
/// <param name="P99">99th percentile.</param>
/// <param name="P999">99.9th percentile.</param>
/// <param name="Max">Largest value.</param>
/// <param name="Count">Values.</param>
public readonly record struct LatencySummary(double P50, double P99, double P999, double Max, long Count);
