using System.Net;
using System.Net.Sockets;
using Neurolink.Emulator;
using Neurolink.Protocol;
using Neurolink.Protocol.Payloads;

namespace Neurolink.Transport.Tests;

/// <summary>The TCP transport against the emulator served on a real loopback socket.</summary>
public class TcpTransportTests
{
    private static readonly EmulatorOptions s_options = new() { Channels = 16, Tissue = new() { Neurons = 200 } };

    [Fact]
    public void Frames_flow_both_ways_through_a_real_socket()
    {
        using var server = new TcpEmulatorServer(s_options, new IPEndPoint(IPAddress.Loopback, 0));
        server.Start();
        using TcpTransport transport = TcpTransport.Connect(DeviceUri.Parse(server.Uri), TimeSpan.FromSeconds(5));
        Assert.Equal(16u, Handshake.HelloCapabilities(transport, CancellationToken.None).ChannelCount);
    }

    [Fact]
    public void Nothing_listening_is_a_clear_error()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var error = Assert.Throws<TransportException>(() => TcpTransport.Connect(DeviceUri.Parse($"tcp://127.0.0.1:{port}"), TimeSpan.FromSeconds(5)));
        Assert.Contains("nothing is listening there", error.Message, StringComparison.Ordinal);
        Assert.Contains($"tcp://127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_device_that_goes_away_ends_the_read()
    {
        var server = new TcpEmulatorServer(s_options, new IPEndPoint(IPAddress.Loopback, 0));
        server.Start();
        using TcpTransport transport = TcpTransport.Connect(DeviceUri.Parse(server.Uri), TimeSpan.FromSeconds(5));
        server.Dispose();
        var buffer = new byte[64];
        Assert.Equal(0, transport.Read(buffer, CancellationToken.None));
    }

    [Fact]
    public void A_blocked_read_is_cancellable()
    {
        using var server = new TcpEmulatorServer(s_options, new IPEndPoint(IPAddress.Loopback, 0));
        server.Start();
        using TcpTransport transport = TcpTransport.Connect(DeviceUri.Parse(server.Uri), TimeSpan.FromSeconds(5));
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.Throws<OperationCanceledException>(() => transport.Read(new byte[64], cancel.Token));
    }
}
