using System.Net;
using System.Net.Sockets;
using Neurolink.Protocol;
using Neurolink.Protocol.Payloads;

namespace Neurolink.Emulator.Tests;

/// <summary>The emulator reached the way a host reaches hardware: a real TCP socket, a real pseudo-terminal.</summary>
public class ServedEmulatorTests
{
    private static readonly EmulatorOptions s_options = new() { Channels = 32, Seed = 2, Tissue = new() { Neurons = 500 } };

    private static void HelloAndAcquire(HostSession session)
    {
        Assert.Equal(1, session.Hello().SelectedVersion);
        session.Send(new StartAcquisition(StreamMask.Raw | StreamMask.Counts));
        for (int i = 0; i < 50; i++)
        {
            session.Expect(f => f.Type == FrameType.RawSamples);
        }

        Assert.Equal(0, session.Counters.FrameCrcErrors + session.Counters.DiscardedBytes);
    }

    [Fact]
    public void Over_tcp_on_loopback_and_again_after_the_host_reconnects()
    {
        using var server = new TcpEmulatorServer(s_options, new IPEndPoint(IPAddress.Loopback, 0));
        server.Start();
        for (int connection = 0; connection < 2; connection++)
        {
            var client = new TcpClient();
            client.Connect(server.Endpoint);
            using var session = new HostSession(new StreamTransport(client.GetStream(), server.Uri, client));
            HelloAndAcquire(session);
        }

        Assert.StartsWith("tcp://127.0.0.1:", server.Uri, StringComparison.Ordinal);
    }

    [Fact]
    public void Over_a_pseudo_terminal_as_a_serial_device()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // openpty is Linux only; CI runs on Linux.
        }

        var terminal = new PseudoTerminal();
        Assert.StartsWith("serial:///dev/pts/", terminal.Uri, StringComparison.Ordinal);
        bool served = false;
        IDeviceLink? OnlyOnce(CancellationToken token)
        {
            if (served)
            {
                return null;
            }

            served = true;
            return terminal;
        }

        var emulator = new HeadstageEmulator(s_options, OnlyOnce);
        emulator.Start();
        var port = new FileStream(terminal.SlavePath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);
        var session = new HostSession(new StreamTransport(port, terminal.Uri));
        try
        {
            HelloAndAcquire(session);
        }
        finally
        {
            // The device goes first: closing the master ends the blocked read on the slave.
            emulator.Dispose();
            session.Dispose();
        }
    }
}
