using System.Collections.Concurrent;
using Neurolink.Protocol;
using Neurolink.Protocol.Payloads;
using Neurolink.Transport;

namespace Neurolink.Emulator.Tests;

/// <summary>A received frame, copied out of the receiver.</summary>
public sealed record HostFrame(FrameHeader Header, byte[] Payload)
{
    public FrameType Type => Header.FrameType;
}

/// <summary>
/// A minimal host for tests: sends typed frames with per-stream sequence numbers, and reads
/// frames on its own thread into a queue. (The real driver comes with the driver stack.)
/// </summary>
public sealed class HostSession : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);
    private readonly ITransport _transport;
    private readonly Deframer _deframer = new();
    private readonly BlockingCollection<HostFrame> _frames = new(new ConcurrentQueue<HostFrame>());
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _reader;
    private readonly uint[] _sequence = new uint[65536];
    private readonly object _countersGate = new();
    private DeframerCounters _counters;
    private readonly List<HostFrame> _all = [];

    public HostSession(ITransport transport)
    {
        _transport = transport;
        _reader = new Thread(Read) { IsBackground = true, Name = "test-host-reader" };
        _reader.Start();
    }

    public DeframerCounters Counters
    {
        get
        {
            lock (_countersGate)
            {
                return _counters;
            }
        }
    }

    public bool Closed { get; private set; }

    /// <summary>Every frame received so far and the counters after the last of them, taken together.</summary>
    public (List<HostFrame> Frames, DeframerCounters Counters) Snapshot()
    {
        lock (_countersGate)
        {
            return ([.. _all], _counters);
        }
    }

    public uint Send<T>(in T payload, StreamKind stream = StreamKind.Control)
        where T : IFramePayload, allows ref struct
    {
        ushort address = StreamAddress.Of(stream);
        uint sequence = _sequence[address]++;
        var bytes = new byte[WireFormat.FrameLength(payload.PayloadLength)];
        FrameEncoder.Encode(bytes, payload, FrameFlags.None, address, 0, sequence);
        _transport.Write(bytes, _stop.Token);
        return sequence;
    }

    public void SendRaw(byte[] bytes) => _transport.Write(bytes, _stop.Token);

    /// <summary>Takes frames until one matches, failing after the timeout; others are kept in <paramref name="skipped"/>.</summary>
    public HostFrame Expect(Func<HostFrame, bool> match, List<HostFrame>? skipped = null, string? what = null)
    {
        DateTime until = DateTime.UtcNow + s_timeout;
        while (true)
        {
            TimeSpan left = until - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !_frames.TryTake(out HostFrame? frame, left))
            {
                throw new TimeoutException($"no {what ?? "matching frame"} from the device within {s_timeout.TotalSeconds} s");
            }

            if (match(frame))
            {
                return frame;
            }

            skipped?.Add(frame);
        }
    }

    public HostFrame Expect(FrameType type, List<HostFrame>? skipped = null) => Expect(f => f.Type == type, skipped, FrameTypes.Name((byte)type));

    /// <summary>The answer (ACK, NACK, STIM_ACK, STIM_NACK, ERROR) to the request with this sequence.</summary>
    public HostFrame Answer(uint requestSequence) => Expect(f =>
        f.Type switch
        {
            FrameType.Ack => Ack.TryRead(f.Payload, out Ack a, out _) && a.RequestSequence == requestSequence,
            FrameType.Nack => Nack.TryRead(f.Payload, out Nack n, out _) && n.RequestSequence == requestSequence,
            FrameType.StimAck => StimAck.TryRead(f.Payload, out StimAck a, out _) && a.RequestSequence == requestSequence,
            FrameType.StimNack => StimNack.TryRead(f.Payload, out StimNack n, out _) && n.RequestSequence == requestSequence,
            FrameType.Error => true,
            _ => false,
        }, null, $"answer to request {requestSequence}");

    public Capabilities Hello(byte min = 1, byte max = 1)
    {
        Array.Clear(_sequence);
        Send(new Hello(min, max, WireFormat.MaxFrameBytes, 0));
        HostFrame caps = Expect(FrameType.Capabilities);
        lock (_countersGate)
        {
            _deframer.ResetSequences();
        }

        Assert.True(Capabilities.TryRead(caps.Payload, out Capabilities? value, out string? error), error);
        return value!;
    }

    public Ack WriteRegister(uint address, uint value)
    {
        HostFrame answer = Answer(Send(new RegWrite(address, value)));
        Assert.True(answer.Type == FrameType.Ack, $"write of {value} to register 0x{address:X} was refused: {Describe(answer)}");
        Ack.TryRead(answer.Payload, out Ack ack, out _);
        return ack;
    }

    public Nack RefusedWrite(uint address, uint value)
    {
        HostFrame answer = Answer(Send(new RegWrite(address, value)));
        Assert.True(answer.Type == FrameType.Nack, $"write of {value} to register 0x{address:X} was not refused: {Describe(answer)}");
        Nack.TryRead(answer.Payload, out Nack nack, out _);
        return nack;
    }

    public static string Describe(HostFrame f) => FrameTypes.Name((byte)f.Type) + " " + PayloadText.Describe((byte)f.Type, f.Payload, out _);

    /// <summary>Discards frames already received.</summary>
    public void Drain()
    {
        while (_frames.TryTake(out _))
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _transport.Dispose();
        _reader.Join();
        _deframer.Dispose();
        _stop.Dispose();
        _frames.Dispose();
    }

    private void Read()
    {
        try
        {
            while (true)
            {
                Span<byte> space;
                lock (_countersGate)
                {
                    space = _deframer.GetWriteSpan(65_536);
                }

                int n = _transport.Read(space, _stop.Token);
                lock (_countersGate)
                {
                    if (n == 0)
                    {
                        _deframer.Complete();
                    }
                    else
                    {
                        _deframer.Advance(n);
                    }

                    while (_deframer.TryRead(out Frame frame))
                    {
                        var copy = new HostFrame(frame.Header, frame.Payload.ToArray());
                        _all.Add(copy);
                        _frames.Add(copy);
                    }

                    _counters = _deframer.Counters;
                }

                if (n == 0 || _stop.IsCancellationRequested)
                {
                    Closed = n == 0;
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
