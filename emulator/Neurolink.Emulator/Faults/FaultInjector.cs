using Neurolink.Emulator.Firmware;
using Neurolink.Protocol;

namespace Neurolink.Emulator.Faults;

/// <summary>
/// Applies a <see cref="FaultPlan"/> to frames on their way from the device FIFO to the link,
/// and writes every fault into the ground truth: which kind, at which clock, to which frame.
/// </summary>
public sealed class FaultInjector
{
    private readonly FaultPlan _plan;
    private readonly GroundTruth _truth;
    private readonly List<(long ReleaseAtMs, byte[] Bytes)> _delayed = [];
    private Rng _rng;
    private byte[]? _heldForReorder;
    private QueuedFrame _heldFrame;
    private long _framesSent;
    private long _nextBitFlip;
    private long _nextByteDrop;

    /// <summary>Creates the injector; its randomness comes from its own sub-stream of <paramref name="seed"/>.</summary>
    public FaultInjector(FaultPlan plan, GroundTruth truth, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(truth);
        _plan = plan;
        _truth = truth;
        _rng = Rng.For(seed, "faults");
        _nextBitFlip = Skip(plan.BitFlipRate);
        _nextByteDrop = Skip(plan.DropByteRate);
    }

    /// <summary>Set when the plan's disconnect is due: the runner closes the link.</summary>
    public bool DisconnectDue { get; private set; }

    /// <summary>Milliseconds the link should stall before the next write, or 0.</summary>
    public double StallDueMs { get; private set; }

    /// <summary>Clears the disconnect and stall requests once the runner acted on them.</summary>
    public void Acknowledge()
    {
        DisconnectDue = false;
        StallDueMs = 0;
    }

    /// <summary>Passes one frame through the plan into <paramref name="wire"/>.</summary>
    public void Send(in QueuedFrame frame, ReadOnlySpan<byte> bytes, WireBuffer wire, ulong clock, long nowMs)
    {
        _truth.FrameSent();
        _framesSent++;
        if (_plan.DisconnectAfterFrames > 0 && _framesSent % _plan.DisconnectAfterFrames == 0)
        {
            Record("disconnect", clock, frame, _framesSent);
            DisconnectDue = true;
        }

        if (!_plan.Any)
        {
            wire.Append(bytes);
            return;
        }

        bool isAnswer = frame.Type is (byte)FrameType.Ack or (byte)FrameType.Nack or (byte)FrameType.StimAck or (byte)FrameType.StimNack;
        if (isAnswer && Chance(_plan.AckDropRate))
        {
            Record("ack-drop", clock, frame, 0);
            return;
        }

        if (isAnswer && _plan.AckDelayMs > 0)
        {
            Record("ack-delay", clock, frame, (long)_plan.AckDelayMs);
            _delayed.Add((nowMs + (long)_plan.AckDelayMs, bytes.ToArray()));
            return;
        }

        if (Chance(_plan.StallRate))
        {
            Record("stall", clock, frame, (long)_plan.StallMs);
            StallDueMs = _plan.StallMs;
        }

        if (Chance(_plan.DropFrameRate))
        {
            Record("drop", clock, frame, bytes.Length);
            return;
        }

        if (Chance(_plan.TruncateRate))
        {
            int keep = _rng.Next(bytes.Length);
            Record("truncate", clock, frame, bytes.Length - keep);
            bytes = bytes[..keep];
        }

        if (Chance(_plan.ReorderRate) && _heldForReorder is null)
        {
            // Held back until the next frame of the same stream has gone: it arrives after its successor.
            Record("reorder", clock, frame, 0);
            _heldForReorder = bytes.ToArray();
            _heldFrame = frame;
            return;
        }

        Emit(bytes, wire, clock, frame);
        if (Chance(_plan.DuplicateRate))
        {
            Record("dup", clock, frame, 0);
            Emit(bytes, wire, clock, frame);
        }

        if (_heldForReorder is { } held && _heldFrame.Stream == frame.Stream)
        {
            _heldForReorder = null;
            Emit(held, wire, clock, _heldFrame);
        }
    }

    /// <summary>Releases delayed answers whose time has come.</summary>
    public void ReleaseDelayed(WireBuffer wire, long nowMs)
    {
        for (int i = 0; i < _delayed.Count; i++)
        {
            if (_delayed[i].ReleaseAtMs <= nowMs)
            {
                wire.Append(_delayed[i].Bytes);
                _delayed.RemoveAt(i--);
            }
        }
    }

    /// <summary>Bit flips and byte drops happen here, as the bytes go onto the wire.</summary>
    private void Emit(ReadOnlySpan<byte> bytes, WireBuffer wire, ulong clock, in QueuedFrame frame)
    {
        if (_plan.BitFlipRate == 0 && _plan.DropByteRate == 0)
        {
            wire.Append(bytes);
            return;
        }

        Span<byte> output = wire.Reserve(bytes.Length);
        int written = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            if (_nextByteDrop-- == 0)
            {
                _nextByteDrop = Skip(_plan.DropByteRate);
                Record("dropbyte", clock, frame, i);
                continue;
            }

            byte b = bytes[i];
            _nextBitFlip -= 8;
            while (_nextBitFlip < 0)
            {
                int bit = (int)(_nextBitFlip + 8);
                b ^= (byte)(1 << bit);
                Record("bitflip", clock, frame, (i * 8) + bit);
                _nextBitFlip += 1 + Skip(_plan.BitFlipRate);
            }

            output[written++] = b;
        }

        wire.Commit(written);
    }

    /// <summary>Trials until the next event of a Bernoulli process with probability <paramref name="rate"/> (geometric).</summary>
    private long Skip(double rate) =>
        rate <= 0 ? long.MaxValue / 2 : (long)Math.Min(Math.Floor(_rng.NextExponential() / -Math.Log(1 - Math.Min(rate, 0.999999))), long.MaxValue / 4);

    private bool Chance(double p) => p > 0 && _rng.NextDouble() < p;

    private void Record(string kind, ulong clock, in QueuedFrame frame, long detail) =>
        _truth.AddFault(new InjectedFault(kind, clock, frame.Type, frame.Stream, frame.Sequence, detail));
}
