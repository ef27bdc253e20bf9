using Neurolink.Protocol;
using Neurolink.Protocol.Payloads;

namespace Neurolink.Transport.Tests;

/// <summary>The smallest exchange that proves a transport works both ways: HELLO out, CAPABILITIES back.</summary>
public static class Handshake
{
    public static Capabilities HelloCapabilities(ITransport transport, CancellationToken cancellationToken)
    {
        var hello = new byte[WireFormat.FrameLength(Hello.Size)];
        FrameEncoder.Encode(hello, new Hello(1, 1, WireFormat.MaxFrameBytes, 0), FrameFlags.None, 0, 0, 0);
        transport.Write(hello, cancellationToken);
        using var deframer = new Deframer();
        while (true)
        {
            int n = transport.Read(deframer.GetWriteSpan(4096), cancellationToken);
            Assert.True(n > 0, "the link closed before the device answered HELLO");
            deframer.Advance(n);
            if (deframer.TryRead(out Frame frame))
            {
                Assert.Equal(FrameType.Capabilities, frame.Type);
                Assert.True(Capabilities.TryRead(frame.Payload, out Capabilities? caps, out string? error), error);
                return caps!;
            }
        }
    }
}
