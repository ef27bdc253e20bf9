using System.Runtime.InteropServices;

namespace Neurolink.Device;

/// <summary>
/// Puts the calling thread under the kernel's real-time FIFO scheduling (Linux), so a frame that
/// arrives wakes it ahead of ordinary threads instead of waiting for a time slice: what the
/// reader and the closed loop need to keep their latency on a busy machine. .NET's thread
/// priorities do nothing on Linux. It needs root or CAP_SYS_NICE (systemd: AmbientCapabilities=
/// CAP_SYS_NICE); without them the thread stays as it was and the reason is returned. The
/// threads that use it block while idle, so they never hold a core they do not use.
/// </summary>
public static partial class RealtimeScheduling
{
    private const int SchedFifo = 1;

    /// <summary>
    /// Moves the calling thread to SCHED_FIFO at <paramref name="priority"/> (1 to 99); returns null
    /// when it did, or why not (not Linux, no permission).
    /// </summary>
    public static string? TryEnter(int priority)
    {
        if (!OperatingSystem.IsLinux())
        {
            return "real-time scheduling is used on Linux only";
        }

        var param = new SchedParam { Priority = Math.Clamp(priority, 1, 99) };
        if (SetScheduler(0, SchedFifo, ref param) == 0)
        {
            return null;
        }

        int errno = Marshal.GetLastPInvokeError();
        return errno == 1
            ? "no permission for real-time scheduling (run as root or grant CAP_SYS_NICE, e.g. AmbientCapabilities=CAP_SYS_NICE in the systemd unit)"
            : $"sched_setscheduler failed (errno {errno})";
    }

    [LibraryImport("libc", EntryPoint = "sched_setscheduler", SetLastError = true)]
    private static partial int SetScheduler(int pid, int policy, ref SchedParam param);

    [StructLayout(LayoutKind.Sequential)]
    private struct SchedParam
    {
        public int Priority;
    }
}
