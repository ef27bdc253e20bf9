using Neurolink.Emulator.Firmware;
using Neurolink.Protocol;
using Neurolink.Protocol.Payloads;

namespace Neurolink.Emulator.Tests;

/// <summary>Drives the firmware model synchronously, with no thread and no link: for deterministic tests.</summary>
public sealed class FirmwareDriver : IDisposable
{
    private readonly uint[] _sequence = new uint[65536];
    private readonly Deframer _deframer = new();

    public FirmwareDriver(EmulatorOptions options)
    {
        Truth = new GroundTruth(options.RecordGroundTruth);
        Firmware = new HeadstageFirmware(options, Truth);
    }

    public HeadstageFirmware Firmware { get; }

    public GroundTruth Truth { get; }

    public List<HostFrame> Frames { get; } = [];

    /// <summary>Every byte the device has sent, in order.</summary>
    public List<byte> Bytes { get; } = [];

    public void Send<T>(in T payload, StreamKind stream = StreamKind.Control)
        where T : IFramePayload, allows ref struct
    {
        ushort address = StreamAddress.Of(stream);
        var bytes = new byte[WireFormat.FrameLength(payload.PayloadLength)];
        FrameEncoder.Encode(bytes, payload, FrameFlags.None, address, 0, _sequence[address]++);
        Firmware.Receive(bytes);
        Collect();
    }

    public void Start(StreamMask streams)
    {
        Send(new Hello(1, 1, WireFormat.MaxFrameBytes, 0));
        Send(new StartAcquisition(streams));
    }

    /// <summary>Runs the device for <paramref name="ms"/> milliseconds of its clock.</summary>
    public void Run(int ms)
    {
        for (int i = 0; i < ms; i++)
        {
            Firmware.Advance((ulong)Firmware.Tissue.SampleRateHz / 1000);
            Collect();
        }
    }

    public IEnumerable<HostFrame> OfType(FrameType type) => Frames.Where(f => f.Type == type);

    public void Dispose()
    {
        Firmware.Dispose();
        _deframer.Dispose();
    }

    private void Collect()
    {
        while (Firmware.Output.TryPeek(out _, out ReadOnlySpan<byte> bytes))
        {
            Bytes.AddRange(bytes);
            _deframer.Write(bytes);
            while (_deframer.TryRead(out Frame frame))
            {
                Frames.Add(new HostFrame(frame.Header, frame.Payload.ToArray()));
            }

            Firmware.Output.Dequeue();
        }
    }
}
