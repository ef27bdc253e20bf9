using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Neurolink.Emulator;

/// <summary>
/// Sleeps until a moment with sub-millisecond precision, as a device's 1 kHz frame timer does:
/// .NET's timed waits round to whole milliseconds and overshoot (a 1 ms wait takes 1.1 ms at the
/// median on a 2-core VM, up to 2 ms), which would send frames in pairs. On Linux, nanosleep
/// gets within about 100 us; the last <see cref="SpinMargin"/> is yielded away.
/// </summary>
internal static partial class PreciseSleep
{
    /// <summary>What is left to yield after the sleep (nanosleep overshoots by about this much).</summary>
    private static readonly long SpinMargin = Stopwatch.Frequency / 10_000; // 100 us

    /// <summary>Returns at (or just after) the <see cref="Stopwatch"/> timestamp <paramref name="until"/>.</summary>
    public static void Until(long until)
    {
        long left = until - Stopwatch.GetTimestamp() - SpinMargin;
        if (left > 0)
        {
            if (OperatingSystem.IsLinux())
            {
                long ns = left * 1_000_000_000 / Stopwatch.Frequency;
                var request = new Timespec { Seconds = ns / 1_000_000_000, Nanoseconds = ns % 1_000_000_000 };
                _ = NanoSleep(ref request, IntPtr.Zero); // an early return (a signal) only shortens the wait
            }
            else
            {
                Thread.Sleep(TimeSpan.FromTicks(Math.Max(0, (left * TimeSpan.TicksPerSecond / Stopwatch.Frequency) - TimeSpan.TicksPerMillisecond)));
            }
        }

        while (Stopwatch.GetTimestamp() < until)
        {
            Thread.Yield();
        }
    }

    [LibraryImport("libc", EntryPoint = "nanosleep", SetLastError = true)]
    private static partial int NanoSleep(ref Timespec request, IntPtr remaining);

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
