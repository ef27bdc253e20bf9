using System.Runtime.InteropServices;

namespace Neurolink.Device;

/// <summary>
/// CPU time of the calling thread, so a benchmark can say what the reader and consumer threads
/// cost apart from the rest of the process (an emulator in the same process, for one).
/// </summary>
public static partial class ThreadUsage
{
    private const int ClockThreadCpuTimeId = 3;

    /// <summary>CPU time the calling thread has used, or <see cref="TimeSpan.Zero"/> where the OS does not say.</summary>
    public static TimeSpan CurrentThreadCpuTime()
    {
        if (OperatingSystem.IsLinux())
        {
            return clock_gettime(ClockThreadCpuTimeId, out TimeSpec t) == 0
                ? TimeSpan.FromTicks((t.Seconds * TimeSpan.TicksPerSecond) + (t.Nanoseconds / 100))
                : TimeSpan.Zero;
        }

        if (OperatingSystem.IsWindows())
        {
            return GetThreadTimes(GetCurrentThread(), out _, out _, out long kernel, out long user) ? TimeSpan.FromTicks(kernel + user) : TimeSpan.Zero;
        }

        return TimeSpan.Zero;
    }

    [LibraryImport("libc", SetLastError = false)]
    private static partial int clock_gettime(int clockId, out TimeSpec time);

    [LibraryImport("kernel32.dll")]
    private static partial nint GetCurrentThread();

    [LibraryImport("kernel32.dll")]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool GetThreadTimes(nint thread, out long creation, out long exit, out long kernel, out long user);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
