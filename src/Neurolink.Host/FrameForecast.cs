using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Neurolink.Host;

/// <summary>
/// When the next SPIKE_COUNTS frame will arrive, from the device's sample clock: a frame's bin
/// ends at a known device time and reaches the host some transit time later. The forecast
/// tracks a low quantile of that transit (the 5th percentile, by stochastic approximation: up
/// 1 us for each frame above it, down 19 us for each below, so one early outlier moves it
/// little and clock drift is followed at up to 1 us a frame), and gives the time the next
/// frame arrives after in about 95 % of cases.
/// </summary>
internal sealed class FrameForecast
{
    private static readonly long Up = Math.Max(1, Stopwatch.Frequency / 1_000_000);  // 1 us
    private static readonly long Down = 19 * Up;                                       // 19 us: 5 % below in equilibrium
    private long _transit = long.MaxValue; // Stopwatch ticks: arrival - bin end, its 5th percentile
    private long _due;                    // Stopwatch timestamp the next frame can first arrive; 0: not known yet

    /// <summary>The earliest arrival of the next frame (a <see cref="Stopwatch"/> timestamp), or 0 before the first frame.</summary>
    public long NextDue => _due;

    /// <summary>Takes a frame's arrival: its bin started at <paramref name="sampleClock"/> and lasted <paramref name="binSamples"/>.</summary>
    public void Arrived(long received, ulong sampleClock, uint binSamples, double sampleRateHz)
    {
        if (sampleRateHz <= 0 || binSamples == 0)
        {
            _due = 0;
            return;
        }

        long end = DeviceTicks(sampleClock + binSamples, sampleRateHz);
        long transit = received - end;
        _transit = _transit == long.MaxValue ? transit : transit < _transit ? _transit - Down : _transit + Up;
        _due = DeviceTicks(sampleClock + (2UL * binSamples), sampleRateHz) + _transit;
    }

    /// <summary>Forgets the history (a new link, a reconnect: the device clock starts again).</summary>
    public void Reset() => (_transit, _due) = (long.MaxValue, 0);

    private static long DeviceTicks(ulong samples, double rate) => (long)(samples / rate * Stopwatch.Frequency);
}

/// <summary>Sleeps for less than a millisecond on Linux (nanosleep with the thread's timer slack at 1 us); elsewhere it does nothing.</summary>
internal static partial class ShortSleep
{
    private const int PrSetTimerSlack = 29;

    /// <summary>True where <see cref="Until"/> sleeps (Linux).</summary>
    public static bool Supported => OperatingSystem.IsLinux();

    /// <summary>Lets the calling thread's sleeps end within a microsecond of their time, not the default 50 (Linux).</summary>
    public static void TightenTimerSlack()
    {
        if (Supported)
        {
            _ = Prctl(PrSetTimerSlack, 1000, 0, 0, 0);
        }
    }

    /// <summary>Sleeps until about the <see cref="Stopwatch"/> timestamp <paramref name="until"/> (Linux; elsewhere returns at once).</summary>
    public static void Until(long until)
    {
        long left = until - Stopwatch.GetTimestamp();
        if (!Supported || left <= 0)
        {
            return;
        }

        long ns = left * 1_000_000_000 / Stopwatch.Frequency;
        var request = new Timespec { Seconds = ns / 1_000_000_000, Nanoseconds = ns % 1_000_000_000 };
        _ = NanoSleep(ref request, IntPtr.Zero); // a signal only shortens the sleep
    }

    [LibraryImport("libc", EntryPoint = "nanosleep")]
    private static partial int NanoSleep(ref Timespec request, IntPtr remaining);

    [LibraryImport("libc", EntryPoint = "prctl")]
    private static partial int Prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
