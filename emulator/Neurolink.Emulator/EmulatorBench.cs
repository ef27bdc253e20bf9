using System.Diagnostics;
using Neurolink.Emulator.Firmware;
using Neurolink.Protocol;
using Neurolink.Protocol.Payloads;

namespace Neurolink.Emulator;

/// <summary>The result of <see cref="EmulatorBench.Run"/>: simulated seconds per wall second, and what was made.</summary>
public sealed record EmulatorBenchResult(string Mode, int Channels, int Neurons, double SimulatedS, double WallS, double RealtimeFactor, long Frames, long Bytes);

/// <summary>
/// How fast the emulator makes a headstage's output on one thread: the firmware model on the
/// virtual clock with the tissue model, detection and frame encoding, its FIFO drained as a
/// link would. "raw": RAW_SAMPLES at 30 kHz plus on-chip detection into SPIKE_EVENTS and
/// SPIKE_COUNTS; "spikes": SPIKE_EVENTS and SPIKE_COUNTS in 1 ms bins, no samples.
/// </summary>
public static class EmulatorBench
{
    /// <summary>Runs the benchmark; building the tissue and three simulated seconds of warm-up are not timed.</summary>
    /// <exception cref="ArgumentException">The mode is neither "raw" nor "spikes".</exception>
    public static EmulatorBenchResult Run(string mode, int channels, double seconds, ulong seed = 1, int neurons = 10_000)
    {
        StreamMask streams = mode switch
        {
            "raw" => StreamMask.Raw | StreamMask.Events | StreamMask.Counts,
            "spikes" => StreamMask.Events | StreamMask.Counts,
            _ => throw new ArgumentException($"mode '{mode}' is unknown; use 'raw' or 'spikes'", nameof(mode)),
        };

        var options = new EmulatorOptions { Channels = channels, Seed = seed, Tissue = new() { Neurons = neurons } };
        using var firmware = new HeadstageFirmware(options, new GroundTruth());
        Send(firmware, new Hello(1, 1, WireFormat.MaxFrameBytes, 0), 0);
        Send(firmware, new StartAcquisition(streams), 1);
        Drain(firmware, out _, out _);

        ulong perMs = (ulong)firmware.Tissue.SampleRateHz / 1000;
        long steps = (long)(seconds * 1000);
        long frames = 0, bytes = 0;

        // Warm-up, not timed: three simulated seconds let the tiered JIT finish optimising the hot loops.
        for (int i = 0; i < 3000; i++)
        {
            firmware.Advance(perMs);
            Drain(firmware, out _, out _);
        }

        var watch = Stopwatch.StartNew();
        for (long i = 0; i < steps; i++)
        {
            firmware.Advance(perMs);
            Drain(firmware, out long f, out long b);
            frames += f;
            bytes += b;
        }

        double wall = watch.Elapsed.TotalSeconds;
        return new EmulatorBenchResult(mode, channels, neurons, steps / 1000.0, wall, steps / 1000.0 / wall, frames, bytes);
    }

    private static void Send<T>(HeadstageFirmware firmware, in T payload, uint sequence)
        where T : IFramePayload
    {
        var frame = new byte[WireFormat.FrameLength(payload.PayloadLength)];
        FrameEncoder.Encode(frame, payload, FrameFlags.None, 0, 0, sequence);
        firmware.Receive(frame);
    }

    private static void Drain(HeadstageFirmware firmware, out long frames, out long bytes)
    {
        frames = 0;
        bytes = 0;
        while (firmware.Output.TryPeek(out QueuedFrame frame, out _))
        {
            frames++;
            bytes += frame.Length;
            firmware.Output.Dequeue();
        }
    }
}
