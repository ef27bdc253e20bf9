using Neurolink.Emulator;
using Neurolink.Protocol;
using Neurolink.Protocol.Payloads;

namespace Neurolink.Transport.Tests;

/// <summary>The serial transport against a real pseudo-terminal (Linux: the port's descriptor read and written directly).</summary>
public partial class SerialTransportTests
{
    [Fact]
    public void The_serial_transport_talks_to_the_emulator_on_a_pseudo_terminal()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // openpty is Linux only; CI runs on Linux.
        }

        var terminal = new PseudoTerminal();
        bool served = false;
        IDeviceLink? Once(CancellationToken token)
        {
            if (served)
            {
                return null;
            }

            served = true;
            return terminal;
        }

        var emulator = new HeadstageEmulator(new EmulatorOptions { Channels = 16, Tissue = new() { Neurons = 200 } }, Once);
        emulator.Start();
        try
        {
            using SerialTransport port = SerialTransport.Open(DeviceUri.Parse(terminal.Uri));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            Assert.Equal(16u, Handshake.HelloCapabilities(port, timeout.Token).ChannelCount);
        }
        finally
        {
            emulator.Dispose();
        }
    }

    [Fact]
    public async Task Bytes_go_both_ways_at_once_and_a_reconnect_opens_the_port_again()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        using var terminal = new PseudoTerminal();
        for (int connection = 0; connection < 2; connection++)
        {
            SerialTransport port = SerialTransport.Open(DeviceUri.Parse(terminal.Uri + "?baud=115200"));
            Assert.True(Exclusive(terminal.SlavePath), "the port is not claimed while open (TIOCEXCL)");
            byte[] sent = Enumerable.Range(0, 3000).Select(i => (byte)(i * 7 + connection)).ToArray();

            // Device to host: the read returns what has arrived, however it was split.
            var reader = Task.Run(() =>
            {
                var got = new List<byte>();
                var buffer = new byte[1024];
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                while (got.Count < sent.Length)
                {
                    int n = port.Read(buffer, timeout.Token);
                    Assert.True(n > 0, "the port ended");
                    got.AddRange(buffer.AsSpan(0, n).ToArray());
                }

                return got.ToArray();
            });

            // Host to device while the read waits: a write does not wait for it.
            port.Write(new byte[] { 1, 2, 3, (byte)connection }, CancellationToken.None);
            var echo = new List<byte>();
            var into = new byte[16];
            for (int i = 0; i < 100 && echo.Count < 4; i++)
            {
                terminal.WaitForActivity(TimeSpan.FromMilliseconds(50), wantWrite: false);
                int n = terminal.TryRead(into);
                echo.AddRange(into.AsSpan(0, n).ToArray());
            }

            Assert.Equal(new byte[] { 1, 2, 3, (byte)connection }, echo);
            for (int at = 0; at < sent.Length;)
            {
                at += terminal.TryWrite(sent.AsSpan(at, Math.Min(500, sent.Length - at)));
            }

            Assert.Equal(sent, await reader.WaitAsync(TimeSpan.FromSeconds(10))); // TimeoutException: the read did not finish
            port.Dispose();

            // Released on close: the terminal stays open on the device's side, and the next open
            // (a reconnect) would be refused to anyone but root while the claim stood.
            Assert.False(Exclusive(terminal.SlavePath), "the port is still claimed after it was closed");
        }
    }

    /// <summary>Whether the terminal at <paramref name="path"/> is claimed exclusively (TIOCGEXCL, Linux 3.8 and later).</summary>
    private static bool Exclusive(string path)
    {
        int fd = open(path, 0x2 | 0x100 | 0x800); // O_RDWR | O_NOCTTY | O_NONBLOCK (root may open a claimed terminal)
        Assert.True(fd >= 0, $"could not open {path} to look at it");
        try
        {
            Assert.Equal(0, ioctl(fd, 0x80045440, out int exclusive));
            return exclusive != 0;
        }
        finally
        {
            Assert.Equal(0, close(fd));
        }
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "open", StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [System.Runtime.InteropServices.LibraryImport("libc")]
    private static partial int ioctl(int fd, nuint request, out int value);

    [System.Runtime.InteropServices.LibraryImport("libc")]
    private static partial int close(int fd);

    [Fact]
    public async Task A_port_that_hangs_up_or_is_closed_ends_the_read_with_zero()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // The device side goes away (an unplugged adapter): the waiting read returns 0.
        var terminal = new PseudoTerminal();
        using (SerialTransport port = SerialTransport.Open(DeviceUri.Parse(terminal.Uri)))
        {
            var read = Task.Run(() => port.Read(new byte[64], CancellationToken.None));
            await Task.Delay(100);
            terminal.Dispose();
            Assert.Equal(0, await read.WaitAsync(TimeSpan.FromSeconds(5))); // TimeoutException: the read went on after the hang-up
            Assert.Throws<TransportClosedException>(() => port.Write(new byte[8], CancellationToken.None));
        }

        // The host closes the port under a waiting read (the driver's dispose): the read returns 0.
        using var other = new PseudoTerminal();
        SerialTransport closing = SerialTransport.Open(DeviceUri.Parse(other.Uri));
        var waiting = Task.Run(() => closing.Read(new byte[64], CancellationToken.None));
        await Task.Delay(100);
        closing.Dispose();
        Assert.Equal(0, await waiting.WaitAsync(TimeSpan.FromSeconds(5))); // TimeoutException: the read went on after the port was closed
    }

    [Fact]
    public void A_rate_linux_cannot_set_is_refused_with_the_rates_it_can()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        using var terminal = new PseudoTerminal();
        var error = Assert.Throws<TransportException>(() => SerialTransport.Open(DeviceUri.Parse(terminal.Uri + "?baud=1234567")));
        Assert.Contains("1234567 baud is not a rate Linux sets by name; use one of", error.Message, StringComparison.Ordinal);
        Assert.Contains("3000000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_port_is_a_clear_error()
    {
        var error = Assert.Throws<TransportException>(() => SerialTransport.Open(DeviceUri.Parse("serial:///dev/ttyNOPE9")));
        Assert.Contains("serial:///dev/ttyNOPE9 could not be opened", error.Message, StringComparison.Ordinal);
    }
}
