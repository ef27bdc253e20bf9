using Neurolink.Emulator;
using Neurolink.Protocol;
using Neurolink.Protocol.Payloads;

namespace Neurolink.Transport.Tests;

/// <summary>System.IO.Ports against the emulator on a real pseudo-terminal (Linux).</summary>
public class SerialTransportTests
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
    public void A_missing_port_is_a_clear_error()
    {
        var error = Assert.Throws<TransportException>(() => SerialTransport.Open(DeviceUri.Parse("serial:///dev/ttyNOPE9")));
        Assert.Contains("serial:///dev/ttyNOPE9 could not be opened", error.Message, StringComparison.Ordinal);
    }
}
