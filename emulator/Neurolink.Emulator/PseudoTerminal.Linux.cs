using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Neurolink.Emulator;

/// <summary>
/// A pseudo-terminal pair from <c>openpty</c> (libc): the emulator owns the master side, and a
/// serial driver opens the slave path (<c>/dev/pts/N</c>) as if it were a USB serial adapter.
/// Linux only. The slave is put in raw mode so that no byte is translated.
/// </summary>
public sealed unsafe partial class PseudoTerminal : IDeviceLink
{
    private const int FGetFl = 3;
    private const int FSetFl = 4;
    private const int ONonBlock = 0x800;
    private const short PollIn = 1;
    private const short PollOut = 4;
    private const int EAgain = 11;

    private readonly SafeFileHandle _master;
    private readonly SafeFileHandle _slave;

    /// <summary>Opens a pair.</summary>
    /// <exception cref="IOException">openpty failed: no pseudo-terminals are available (errno given).</exception>
    public PseudoTerminal()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("pseudo-terminals are created with openpty, on Linux only; use --listen tcp://127.0.0.1:7300 elsewhere");
        }

        if (openpty(out int master, out int slave, null, null, null) != 0)
        {
            throw new IOException($"openpty failed (errno {Marshal.GetLastPInvokeError()}): no pseudo-terminal could be created; check that /dev/pts is mounted");
        }

        _master = new SafeFileHandle(master, ownsHandle: true);
        _slave = new SafeFileHandle(slave, ownsHandle: true);

        byte* termios = stackalloc byte[256];
        if (tcgetattr(slave, termios) == 0)
        {
            cfmakeraw(termios);
            tcsetattr(slave, 0, termios);
        }

        fcntl(master, FSetFl, fcntl(master, FGetFl, 0) | ONonBlock);
        byte* name = stackalloc byte[128];
        SlavePath = ptsname_r(master, name, 128) == 0 ? Marshal.PtrToStringUTF8((IntPtr)name)! : throw new IOException("ptsname_r failed");
    }

    /// <summary>The path a serial driver opens, such as /dev/pts/3.</summary>
    public string SlavePath { get; }

    /// <summary>The device URI of the slave: <c>serial:///dev/pts/N</c>.</summary>
    public string Uri => "serial://" + SlavePath;

    /// <inheritdoc/>
    public bool IsClosed => _master.IsClosed;

    /// <inheritdoc/>
    public int TryRead(Span<byte> destination)
    {
        fixed (byte* p = destination)
        {
            nint n = read((int)_master.DangerousGetHandle(), p, destination.Length);
            return n > 0 ? (int)n : 0;
        }
    }

    /// <inheritdoc/>
    public int TryWrite(ReadOnlySpan<byte> source)
    {
        fixed (byte* p = source)
        {
            nint n = write((int)_master.DangerousGetHandle(), p, source.Length);
            return n > 0 ? (int)n : 0;
        }
    }

    /// <inheritdoc/>
    public void WaitForActivity(TimeSpan timeout, bool wantWrite)
    {
        PollFd fd = new() { Fd = (int)_master.DangerousGetHandle(), Events = (short)(PollIn | (wantWrite ? PollOut : 0)) };
        poll(&fd, 1, (int)Math.Max(1, timeout.TotalMilliseconds));
    }

    /// <summary>Closes both sides; a driver that has the slave open then sees the port vanish.</summary>
    public void Dispose()
    {
        _master.Dispose();
        _slave.Dispose();
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int openpty(out int master, out int slave, byte* name, void* termp, void* winp);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int tcgetattr(int fd, byte* termios);

    [LibraryImport("libc")]
    private static partial void cfmakeraw(byte* termios);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int tcsetattr(int fd, int optionalActions, byte* termios);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fcntl(int fd, int command, int argument);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int ptsname_r(int fd, byte* buffer, nint length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int poll(PollFd* fds, nuint count, int timeoutMs);
}
