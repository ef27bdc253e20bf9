using System.Runtime.InteropServices;

namespace Neurolink.Device;

/// <summary>
/// Keeps a thread on one CPU (Linux, <c>sched_setaffinity</c>). The reader and the closed loop
/// pinned to the same CPU hand each frame over without waking another core, and neither is
/// moved by the scheduler mid-run onto a core whose caches hold someone else's data; on the
/// project's 2-core VM that took the loop's p99.9 from about 2 ms to 0.35-0.95 ms
/// (README, "The closed loop"). Pinning needs no privilege, only a CPU the process may use.
/// </summary>
public static partial class ThreadPinning
{
    private const int MaskWords = 16; // 1024 CPUs

    /// <summary>The CPUs this process may run on, ascending (empty where that is not known: not Linux).</summary>
    public static IReadOnlyList<int> AllowedCpus()
    {
        if (!OperatingSystem.IsLinux())
        {
            return [];
        }

        var mask = new ulong[MaskWords];
        if (GetAffinity(0, (nuint)(MaskWords * sizeof(ulong)), mask) != 0)
        {
            return [];
        }

        var cpus = new List<int>();
        for (int cpu = 0; cpu < MaskWords * 64; cpu++)
        {
            if ((mask[cpu / 64] & (1UL << (cpu % 64))) != 0)
            {
                cpus.Add(cpu);
            }
        }

        return cpus;
    }

    /// <summary>
    /// The CPU to pin the latency-critical threads to when nothing is said: the last one this
    /// process may use (the first usually takes more of the machine's interrupts), or -1 when the
    /// process may use fewer than two (pinning would leave nothing else a core) or this is not Linux.
    /// </summary>
    public static int DefaultCpu()
    {
        IReadOnlyList<int> cpus = AllowedCpus();
        return cpus.Count >= 2 ? cpus[^1] : -1;
    }

    /// <summary>Pins the calling thread to <paramref name="cpu"/>; returns null when it did, or why not.</summary>
    public static string? TryPin(int cpu)
    {
        if (!OperatingSystem.IsLinux())
        {
            return "pinning threads to a CPU is used on Linux only";
        }

        if (cpu is < 0 or >= MaskWords * 64)
        {
            return $"CPU {cpu} does not exist here";
        }

        var mask = new ulong[MaskWords];
        mask[cpu / 64] = 1UL << (cpu % 64);
        if (SetAffinity(0, (nuint)(MaskWords * sizeof(ulong)), mask) == 0)
        {
            return null;
        }

        int errno = Marshal.GetLastPInvokeError();
        return errno == 22
            ? $"CPU {cpu} is not one this process may use (allowed: {string.Join(",", AllowedCpus())})"
            : $"sched_setaffinity to CPU {cpu} failed (errno {errno})";
    }

    /// <summary>
    /// Places the calling thread as a latency-critical one (the reader, the closed loop): under
    /// SCHED_FIFO at <paramref name="realtimePriority"/> (0: not) and on <paramref name="cpu"/>
    /// (-1: anywhere). Returns why each was not done, or null where it was (or was not asked).
    /// </summary>
    public static (string? Realtime, string? Pin) Place(int realtimePriority, int cpu) =>
        (realtimePriority > 0 ? RealtimeScheduling.TryEnter(realtimePriority) : null, cpu >= 0 ? TryPin(cpu) : null);

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static partial int SetAffinity(int pid, nuint size, ulong[] mask);

    [LibraryImport("libc", EntryPoint = "sched_getaffinity", SetLastError = true)]
    private static partial int GetAffinity(int pid, nuint size, ulong[] mask);
}
