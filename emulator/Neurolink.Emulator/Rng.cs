using System.Numerics;

namespace Neurolink.Emulator;

/// <summary>
/// xoshiro256** (Blackman and Vigna): fast, seedable, and the same sequence on every platform
/// and .NET version, which <see cref="Random"/> with a seed does not promise. The emulator's
/// byte-identical output for a given seed rests on it.
/// </summary>
public struct Rng
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    /// <summary>Seeds the generator (SplitMix64 expansion of <paramref name="seed"/>).</summary>
    public Rng(ulong seed)
    {
        _s0 = SplitMix(ref seed);
        _s1 = SplitMix(ref seed);
        _s2 = SplitMix(ref seed);
        _s3 = SplitMix(ref seed);
    }

    /// <summary>A generator for an independent sub-stream, derived from a seed and a stream name.</summary>
    public static Rng For(ulong seed, string stream)
    {
        ulong h = 1469598103934665603UL;
        foreach (char c in stream)
        {
            h = (h ^ c) * 1099511628211UL;
        }

        return new Rng(seed ^ h);
    }

    /// <summary>64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n).</summary>
    public int Next(int n) => (int)((NextUInt64() >> 33) * (ulong)n >> 31);

    /// <summary>Exponential with mean 1.</summary>
    public double NextExponential() => -Math.Log(1.0 - NextDouble());

    /// <summary>Standard normal (Box-Muller).</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble();
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
