using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Neurolink.Transport;

/// <summary>
/// A serial port on Linux, read and written on the caller's thread through its file descriptor:
/// raw mode (cfmakeraw), 8N1, no flow control, modem lines ignored, opened exclusively
/// (TIOCEXCL) as System.IO.Ports does. A read waits in poll() for the first byte and returns
/// what is there; a write goes straight to the kernel.
/// </summary>
/// <remarks>
/// Why not System.IO.Ports here: on Unix its stream hands every read and write to an I/O thread
/// that polls with a 1 ms timeout for the operations it has queued, and sleeps 1 ms when none is
/// queued. A trigger written while the reader's read is queued waits for that poll to time out,
/// and bytes that arrive between two reads wait for the sleep: up to a millisecond or two either
/// way, and a task and a request allocated per read (runtime source,
/// src/libraries/System.IO.Ports/src/System/IO/Ports/SerialStream.Unix.cs, IOLoop). On Windows
/// System.IO.Ports is used (overlapped I/O, no such loop).
/// </remarks>
internal sealed unsafe partial class LinuxSerialPort : IDisposable
{
    private const int ORdWr = 0x2, ONoCtty = 0x100, ONonBlock = 0x800, OCloExec = 0x80000;
    private const uint TiocExcl = 0x540C, TiocNxcl = 0x540D;
    private const int TcsaNow = 0;
    private const uint CLocal = 0x800, CRead = 0x80; // c_cflag bits
    private const int CflagOffset = 8;              // struct termios: c_iflag, c_oflag, c_cflag, ...
    private const short PollIn = 0x1, PollOut = 0x4, PollErr = 0x8, PollHup = 0x10, PollNval = 0x20;
    private const int EIntr = 4, EAgain = 11;
    private const int WaitSliceMs = 50; // how often a waiting read looks at its cancellation

    private readonly SafeFileHandle _fd;
    private volatile bool _closing; // set by Dispose: a waiting read returns (the handle closes only when no call holds it)

    private LinuxSerialPort(SafeFileHandle fd) => _fd = fd;

    /// <summary>The Linux speed constants (termios Bnnn) by bits per second.</summary>
    internal static IReadOnlyDictionary<int, uint> Speeds { get; } = new Dictionary<int, uint>
    {
        [50] = 1, [75] = 2, [110] = 3, [134] = 4, [150] = 5, [200] = 6, [300] = 7, [600] = 8, [1200] = 9, [1800] = 10,
        [2400] = 11, [4800] = 12, [9600] = 13, [19200] = 14, [38400] = 15, [57600] = 0x1001, [115200] = 0x1002,
        [230400] = 0x1003, [460800] = 0x1004, [500000] = 0x1005, [576000] = 0x1006, [921600] = 0x1007, [1000000] = 0x1008,
        [1152000] = 0x1009, [1500000] = 0x100A, [2000000] = 0x100B, [2500000] = 0x100C, [3000000] = 0x100D,
        [3500000] = 0x100E, [4000000] = 0x100F,
    };

    /// <summary>Opens and configures the port.</summary>
    /// <exception cref="TransportException">It cannot be opened or configured; the message says why and what to do.</exception>
    public static LinuxSerialPort Open(DeviceUri uri)
    {
        if (!Speeds.TryGetValue(uri.BaudRate, out uint speed))
        {
            throw new TransportException($"device {uri} could not be opened: {uri.BaudRate} baud is not a rate Linux sets by name; use one of {string.Join(", ", Speeds.Keys)}");
        }

        int fd = open(uri.Path!, ORdWr | ONoCtty | ONonBlock | OCloExec);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw errno switch
            {
                2 => new TransportException($"device {uri} could not be opened: {uri.Path} does not exist. `neurolink devices` lists the serial ports present"),
                13 => new TransportException($"device {uri} could not be opened: permission denied. On Linux add yourself to the 'dialout' group (sudo usermod -aG dialout $USER, then log in again)"),
                16 => new TransportException($"device {uri} could not be opened: another program has the port (busy); close it first"),
                _ => new TransportException($"device {uri} could not be opened: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})"),
            };
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            if (ioctl(fd, TiocExcl, 0) != 0)
            {
                throw Failed(uri, "could not be claimed for this process alone (TIOCEXCL)");
            }

            byte* termios = stackalloc byte[256];
            if (tcgetattr(fd, termios) != 0)
            {
                throw Failed(uri, "is not a terminal device (tcgetattr)");
            }

            cfmakeraw(termios); // 8 data bits, no parity, no translation, no echo
            *(uint*)(termios + CflagOffset) |= CLocal | CRead; // ignore modem lines, enable the receiver
            if (cfsetispeed(termios, speed) != 0 || cfsetospeed(termios, speed) != 0 || tcsetattr(fd, TcsaNow, termios) != 0)
            {
                throw Failed(uri, $"refused {uri.BaudRate} baud");
            }

            return new LinuxSerialPort(handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }

        static TransportException Failed(DeviceUri uri, string what)
        {
            int errno = Marshal.GetLastPInvokeError();
            return new TransportException($"device {uri} could not be opened: the port {what}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
    }

    /// <summary>
    /// Waits for bytes and reads what is there (at least one); 0 when the port is gone (hung up,
    /// unplugged, closed).
    /// </summary>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public int Read(Span<byte> destination, CancellationToken cancellationToken)
    {
        bool added = false;
        try
        {
            _fd.DangerousAddRef(ref added); // the descriptor is not closed (and its number reused) under this call
            int fd = (int)_fd.DangerousGetHandle();
            fixed (byte* p = destination)
            {
                while (true)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    nint n = read(fd, p, destination.Length);
                    if (n > 0)
                    {
                        return (int)n;
                    }

                    int errno = Marshal.GetLastPInvokeError();
                    if (n == 0 || (errno != EAgain && errno != EIntr))
                    {
                        return 0; // EIO: the other end hung up, or the adapter was unplugged
                    }

                    if (_closing || !Wait(fd, PollIn, WaitSliceMs))
                    {
                        return 0; // closed while waiting (the descriptor closes when this call lets go), or hung up
                    }
                }
            }
        }
        catch (ObjectDisposedException)
        {
            return 0;
        }
        finally
        {
            if (added)
            {
                _fd.DangerousRelease();
            }
        }
    }

    /// <summary>Writes every byte, waiting for room at most <paramref name="timeout"/> in all.</summary>
    /// <exception cref="IOException">The port failed, is gone, or took no byte within the timeout.</exception>
    public void Write(ReadOnlySpan<byte> source, TimeSpan timeout)
    {
        bool added = false;
        try
        {
            _fd.DangerousAddRef(ref added);
            int fd = (int)_fd.DangerousGetHandle();
            long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
            fixed (byte* p = source)
            {
                int done = 0;
                while (done < source.Length)
                {
                    nint n = write(fd, p + done, source.Length - done);
                    if (n > 0)
                    {
                        done += (int)n;
                        continue;
                    }

                    int errno = Marshal.GetLastPInvokeError();
                    if (n < 0 && errno != EAgain && errno != EIntr)
                    {
                        throw new IOException($"write failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
                    }

                    long left = deadline - Environment.TickCount64;
                    if (left <= 0 || !Wait(fd, PollOut, (int)Math.Min(left, int.MaxValue)))
                    {
                        throw new IOException($"the port took {done} of {source.Length} bytes within {timeout.TotalMilliseconds:0} ms, or hung up");
                    }
                }
            }
        }
        catch (ObjectDisposedException e)
        {
            throw new IOException("the port was closed", e);
        }
        finally
        {
            if (added)
            {
                _fd.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Gives up the exclusive claim (so the next open, a reconnect, is not refused while another
    /// descriptor keeps the terminal open, as the emulator's pseudo-terminal does) and closes the
    /// port once a read or write in progress returns.
    /// </summary>
    public void Dispose()
    {
        _closing = true;
        bool added = false;
        try
        {
            _fd.DangerousAddRef(ref added);
            ioctl((int)_fd.DangerousGetHandle(), TiocNxcl, 0);
        }
        catch (ObjectDisposedException)
        {
            return; // already closed
        }
        finally
        {
            if (added)
            {
                _fd.DangerousRelease();
            }
        }

        _fd.Dispose();
    }

    /// <summary>Waits until <paramref name="events"/> or the time passes: true to try again, false when the port hung up or failed.</summary>
    private static bool Wait(int fd, short events, int timeoutMs)
    {
        var poll = new PollFd { Fd = fd, Events = events };
        int r = Poll(&poll, 1, timeoutMs);
        if (r < 0)
        {
            return Marshal.GetLastPInvokeError() == EIntr;
        }

        // POLLHUP with data still there: read it first (the next read returns it, then EIO).
        return (poll.Revents & (PollErr | PollNval)) == 0 && ((poll.Revents & PollHup) == 0 || (poll.Revents & PollIn) != 0);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int ioctl(int fd, nuint request, nint argument);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int tcgetattr(int fd, byte* termios);

    [LibraryImport("libc")]
    private static partial void cfmakeraw(byte* termios);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int cfsetispeed(byte* termios, uint speed);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int cfsetospeed(byte* termios, uint speed);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int tcsetattr(int fd, int optionalActions, byte* termios);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(PollFd* fds, nuint count, int timeoutMs);
}
