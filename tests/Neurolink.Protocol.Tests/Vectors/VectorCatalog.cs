using Neurolink.Protocol.Payloads;

namespace Neurolink.Protocol.Tests.Vectors;

/// <summary>
/// Builds every vector in <c>firmware-protocol/vectors/</c>. The valid vectors are encoded by the
/// C# codec; the expected outcomes of the corrupted streams are worked out by hand here, from
/// the rules of SPEC section 10, so the receivers are checked against the spec and not against
/// themselves.
/// </summary>
public static class VectorCatalog
{
    private const FrameFlags D2H = FrameFlags.DeviceToHost;
    private static readonly ushort Control = StreamAddress.Of(StreamKind.Control);
    private static readonly ushort Raw = StreamAddress.Of(StreamKind.Raw);
    private static readonly ushort Events = StreamAddress.Of(StreamKind.Events);
    private static readonly ushort Counts = StreamAddress.Of(StreamKind.Counts);
    private static readonly ushort Stim = StreamAddress.Of(StreamKind.Stim);

    public static IEnumerable<TestVector> All()
    {
        foreach (TestVector v in ValidFrames())
        {
            yield return v;
        }

        foreach (TestVector v in CorruptStreams())
        {
            yield return v;
        }
    }

    /// <summary>One valid frame of every type, and a run of frames.</summary>
    private static IEnumerable<TestVector> ValidFrames()
    {
        yield return Single("hello", "HELLO from the host offering versions 1..1", Build(new Hello(1, 1, 1 << 20, 123_456_789_000), FrameFlags.None, Control, 0, 0));
        var caps = new Capabilities
        {
            SelectedVersion = 1, MinVersion = 1, MaxVersion = 1, DeviceKind = 1, MaxStimPrograms = 16,
            FirmwareVersion = (1 << 16) | (2 << 8) | 3, ChannelCount = 12, MaxFrameBytes = 65_536, RawScaleNv = 195,
            SampleRatesHz = [30_000, 20_000], StimChannelCount = 3, MaxAmplitudeNa = 100_000, MaxPhaseWidthUs = 1_000,
            MaxChargePc = 30_000, MaxPulseRateHz = 500, SerialNumber = "NL-EMU-0001", StimMask = [0b0100_0001, 0b0000_1000],
        };
        yield return Single("capabilities", "CAPABILITIES of a 12-channel device, channels 0, 6 and 11 can stimulate", Build(caps, D2H, Control, 1000, 0));
        yield return Single("error", "ERROR NOT_NEGOTIATED with a message", Build(new ErrorPayload(ErrorCode.NotNegotiated, 0x11, "send HELLO first"), D2H, Control, 42, 3));
        yield return Single("reg_read", "REG_READ of SAMPLE_RATE_HZ", Build(new RegRead((uint)Register.SampleRateHz), FrameFlags.None, Control, 0, 1));
        yield return Single("reg_write", "REG_WRITE of SPIKE_THRESHOLD[5] = -70", Build(new RegWrite(Registers.SpikeThreshold(5), unchecked((uint)-70)), FrameFlags.None, Control, 0, 2));
        yield return Single("ack", "ACK of a REG_WRITE, effective at clock 90000", Build(new Ack(FrameType.RegWrite, 2, 0x10005, unchecked((uint)-70), 90_000), D2H, Control, 90_001, 4));
        yield return Single("nack", "NACK OUT_OF_RANGE of a write of 12345 Hz to SAMPLE_RATE_HZ", Build(new Nack(FrameType.RegWrite, RegisterError.OutOfRange, 5, (uint)Register.SampleRateHz, 12_345), D2H, Control, 90_100, 5));
        yield return Single("start", "START of the RAW and COUNTS streams", Build(new StartAcquisition(StreamMask.Raw | StreamMask.Counts), FrameFlags.None, Control, 0, 6));
        yield return Single("stop", "STOP", Build(default(StopAcquisition), FrameFlags.None, Control, 0, 7));
        short[] samples = [100, -100, 0, 32767, -32767, RawSamples.NoData, 1, 2, 3, 4, 5, 6];
        yield return Single("raw_samples", "RAW_SAMPLES, 4 channels from channel 8, 3 samples, one disabled channel (-32768)",
            Build(new RawSamples(8, 4, 3, samples), D2H, Raw, 300_000, 10));
        SpikeEvent[] events = [new(3, 0, -120, SpikeEvent.Unsorted), new(700, 14, -95, 2), new(3, 29, -250, SpikeEvent.Unsorted)];
        yield return Single("spike_events", "SPIKE_EVENTS, three spikes in a 30-sample window", Build(new SpikeEvents(30, events), D2H, Events, 300_030, 11));
        yield return Single("spike_counts", "SPIKE_COUNTS, 10 channels, one 1 ms bin at 30 kHz, one saturated count",
            Build(new SpikeCounts(0, 30, [0, 1, 0, 0, 2, 0, 255, 0, 0, 1]), D2H, Counts, 300_060, 12));
        yield return Single("gap", "GAP: the device FIFO overflowed and 96 raw samples (3 frames) are gone",
            Build(new Gap(96, 3, GapReason.FifoOverflow, FrameType.RawSamples), D2H, Raw, 300_096, 13));
        var program = new StimProgram(2, -20_000, 10_000, 100, 50, 200, 5, 100);
        yield return Single("stim_arm", "STIM_ARM slot 2: cathodic-first, 20 uA x 100 us then 10 uA x 200 us, 5 pulses at 100 Hz, channels 0 and 6",
            Build(new StimArm(program, [0, 6]), FrameFlags.None, Stim, 0, 0));
        yield return Single("stim_trigger", "STIM_TRIGGER of programs 2 and 3 at clock 310000",
            Build(StimTrigger.At(310_000, [2, 3]), FrameFlags.None, Stim, 0, 1));
        yield return Single("stim_disarm", "STIM_DISARM of every program", Build(new StimDisarm(StimDisarm.All), FrameFlags.None, Stim, 0, 2));
        yield return Single("stim_ack", "STIM_ACK of a trigger, first pulse at clock 310000", Build(new StimAck(FrameType.StimTrigger, 2, 1, 310_000), D2H, Stim, 305_000, 0));
        yield return Single("stim_nack", "STIM_NACK AMPLITUDE_OVER_LIMIT: 150 uA asked, 100 uA allowed",
            Build(new StimNack(FrameType.StimArm, StimRefusal.AmplitudeOverLimit, 4, 1, StimNack.NoChannel, 100_000, 150_000), D2H, Stim, 305_100, 1));
        yield return Single("heartbeat", "HEARTBEAT while acquiring with stimulation enabled",
            Build(new Heartbeat(125, DeviceStatus.Acquiring | DeviceStatus.StimEnabled, 3, 1, 812, 17), D2H, Control, 306_000, 9));
        yield return Single("ping", "PING from the host", Build(new Ping(987_654_321_000, 77), FrameFlags.None, Control, 0, 8));
        yield return Single("pong", "PONG answering ping 77", Build(new Pong(987_654_321_000, 77, 306_010), D2H, Control, 306_012, 10));

        var run = Enumerable.Range(0, 4).Select(i => Build(new SpikeCounts(0, 30, [(byte)i, 0, 1]), D2H, Counts, 30UL * (ulong)i, (uint)i))
            .Concat([Build(new Heartbeat(0, DeviceStatus.Acquiring, 0, 0, 5, 0), D2H, Control, 120, 0)])
            .ToArray();
        yield return Multi("run_of_frames", KindValidOrCorrupt.Valid, "four SPIKE_COUNTS frames in sequence and a HEARTBEAT, back to back", run, Concat(run), Expect(frames: 5));
    }

    /// <summary>Corrupted streams, each with its outcome worked out from SPEC section 10.</summary>
    private static IEnumerable<TestVector> CorruptStreams()
    {
        // Four raw frames on one stream, sequences 0..3. Their samples never contain the sync bytes.
        Built[] f = Enumerable.Range(0, 4).Select(i => RawFrame((uint)i)).ToArray();

        byte[] garbage = [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xA7, 0x4E, 0x00];
        yield return Corrupt("garbage_between_frames", "13 bytes of garbage (with a partial sync) between two frames",
            [f[0], f[1]], Concat(f[0].Bytes, garbage, f[1].Bytes), Expect(frames: 2, discarded: garbage.Length));

        byte[] partialSync = [0x01, 0xA7, 0x4E, 0x4C];
        yield return Corrupt("leading_partial_sync", "a stream that starts with a broken sync word (A7 4E 4C) right before a frame",
            [f[0]], Concat(partialSync, f[0].Bytes), Expect(frames: 1, discarded: partialSync.Length));

        byte[] payloadFlip = Flip(f[1].Bytes, 40 + 7, 0x10);
        yield return Corrupt("bit_flip_in_payload", "one bit flipped in the second frame's samples: frame CRC fails, the frame is lost",
            [f[0], f[2]], Concat(f[0].Bytes, payloadFlip, f[2].Bytes),
            Expect(frames: 2, discarded: f[1].Bytes.Length, frameCrc: 1, gaps: 1, lost: 1));

        byte[] headerFlip = Flip(f[1].Bytes, 17, 0x01);
        yield return Corrupt("bit_flip_in_header", "one bit flipped in the second frame's sample clock: header CRC fails",
            [f[0], f[2]], Concat(f[0].Bytes, headerFlip, f[2].Bytes),
            Expect(frames: 2, discarded: f[1].Bytes.Length, headerCrc: 1, gaps: 1, lost: 1));

        byte[] syncFlip = Flip(f[1].Bytes, 2, 0x80);
        yield return Corrupt("bit_flip_in_sync", "one bit flipped in the second frame's sync word: it is never seen as a frame",
            [f[0], f[2]], Concat(f[0].Bytes, syncFlip, f[2].Bytes), Expect(frames: 2, discarded: f[1].Bytes.Length, gaps: 1, lost: 1));

        byte[] truncated = f[1].Bytes[..(f[1].Bytes.Length / 2)];
        yield return Corrupt("truncated_frame", "the second frame cut in half, the third follows at once: the receiver waits, fails the CRC, rescans and finds the third",
            [f[0], f[2]], Concat(f[0].Bytes, truncated, f[2].Bytes),
            Expect(frames: 2, discarded: truncated.Length, frameCrc: 1, gaps: 1, lost: 1));

        byte[] deleted = Concat(f[1].Bytes[..50], f[1].Bytes[55..]);
        yield return Corrupt("bytes_dropped_in_payload", "five bytes dropped from the middle of the second frame",
            [f[0], f[2]], Concat(f[0].Bytes, deleted, f[2].Bytes),
            Expect(frames: 2, discarded: deleted.Length, frameCrc: 1, gaps: 1, lost: 1));

        byte[] inserted = Concat(f[1].Bytes[..60], [0xEE, 0xEE, 0xEE], f[1].Bytes[60..]);
        yield return Corrupt("bytes_inserted_in_payload", "three bytes inserted into the second frame",
            [f[0], f[2]], Concat(f[0].Bytes, inserted, f[2].Bytes),
            Expect(frames: 2, discarded: inserted.Length, frameCrc: 1, gaps: 1, lost: 1));

        byte[] tail = f[1].Bytes[..20];
        yield return Corrupt("truncated_at_end", "the stream ends 20 bytes into the second frame",
            [f[0]], Concat(f[0].Bytes, tail), Expect(frames: 1, discarded: tail.Length));

        byte[] cut = f[1].Bytes[..100];
        Built last = Build(new RawSamples(0, 1, 1, [5]), D2H, Raw, 1008, 2);
        yield return Corrupt("truncated_before_last_frame", "the second frame cut short and a small intact frame last: at the end of the link the receiver drops the cut frame and still finds the last one",
            [f[0], last], Concat(f[0].Bytes, cut, last.Bytes), Expect(frames: 2, discarded: cut.Length, gaps: 1, lost: 1));

        byte[] impossible = new byte[WireFormat.HeaderSize];
        new FrameHeader((byte)FrameType.RawSamples, D2H, 0x0020_0000, Raw, 0, 1).Write(impossible);
        yield return Corrupt("impossible_length", "a header with a valid CRC that claims a 2 MiB payload, then an intact frame",
            [f[0], f[2]], Concat(f[0].Bytes, impossible, f[2].Bytes),
            Expect(frames: 2, discarded: impossible.Length, badLength: 1, gaps: 1, lost: 1));

        Built unknown = BuildRaw(0x77, D2H, Raw, 9_999, 1, [1, 2, 3, 4, 5]);
        yield return Corrupt("unknown_type", "an intact frame of unknown type 0x77 between two frames: skipped by its length, counted, and its sequence number is not a loss",
            [f[0], f[2]], Concat(f[0].Bytes, unknown.Bytes, f[2].Bytes), Expect(frames: 2, unknownTypes: 1));

        Built future = BuildRaw((byte)FrameType.RawSamples, D2H, Raw, 9_999, 1, [9, 9, 9, 9], version: 2);
        yield return Corrupt("unsupported_version", "an intact frame of protocol version 2 between two v1 frames: skipped by its length",
            [f[0], f[2]], Concat(f[0].Bytes, future.Bytes, f[2].Bytes), Expect(frames: 2, badVersions: 1, gaps: 1, lost: 1));

        yield return Corrupt("duplicated_frame", "the second frame arrives twice",
            [f[0], f[1], f[1], f[2]], Concat(f[0].Bytes, f[1].Bytes, f[1].Bytes, f[2].Bytes), Expect(frames: 4, regressions: 1));

        yield return Corrupt("reordered_frames", "frames 0, 2, 1, 3: a gap of one, then a regression",
            [f[0], f[2], f[1], f[3]], Concat(f[0].Bytes, f[2].Bytes, f[1].Bytes, f[3].Bytes), Expect(frames: 4, gaps: 1, lost: 1, regressions: 1));

        short[] syncSamples = [0x4EA7, unchecked((short)0xD34C), 5, 6, 7, 8, 9, 10];
        Built hidden = Build(new RawSamples(0, 2, 4, syncSamples), D2H, Raw, 500, 1);
        byte[] hiddenBroken = Flip(hidden.Bytes, 0, 0x01);
        yield return Corrupt("sync_inside_payload", "a frame whose samples contain the sync word and whose own sync is broken: the false sync inside fails the header CRC",
            [f[0], f[2]], Concat(f[0].Bytes, hiddenBroken, f[2].Bytes),
            Expect(frames: 2, discarded: hiddenBroken.Length, headerCrc: 1, gaps: 1, lost: 1));

        var twoStreams = new[] { f[0], Build(new SpikeCounts(0, 30, [1]), D2H, Counts, 0, 7), f[1], Build(new SpikeCounts(0, 30, [2]), D2H, Counts, 30, 9) };
        yield return Corrupt("sequences_per_stream", "two streams interleaved; the COUNTS stream skips sequence 8, the RAW stream is complete",
            twoStreams, Concat(twoStreams), Expect(frames: 4, gaps: 1, lost: 1));
    }

    private static Built RawFrame(uint sequence)
    {
        var samples = new short[16 * 4];
        for (int i = 0; i < samples.Length; i++)
        {
            samples[i] = (short)((i * 37 % 200) - 100 + (int)sequence);
        }

        return Build(new RawSamples(0, 16, 4, samples), D2H, Raw, 1000 + (4UL * sequence), sequence);
    }

    private sealed record Built(byte[] Bytes, ExpectedFrame Frame);

    private enum KindValidOrCorrupt
    {
        Valid,
        Corrupt,
    }

    private static Built Build<T>(in T payload, FrameFlags flags, ushort stream, ulong clock, uint sequence)
        where T : IFramePayload, allows ref struct
    {
        var bytes = new byte[WireFormat.FrameLength(payload.PayloadLength)];
        FrameEncoder.Encode(bytes, payload, flags, stream, clock, sequence);
        byte[] body = bytes.AsSpan(WireFormat.HeaderSize, payload.PayloadLength).ToArray();
        string? fields = PayloadText.Describe((byte)T.Type, body, out string? error)
            ?? throw new InvalidOperationException(error);
        return new Built(bytes, new ExpectedFrame((byte)T.Type, (ushort)flags, stream, sequence, clock, body, fields));
    }

    private static Built BuildRaw(byte type, FrameFlags flags, ushort stream, ulong clock, uint sequence, byte[] payload, byte version = WireFormat.Version)
    {
        var bytes = new byte[WireFormat.FrameLength(payload.Length)];
        FrameEncoder.Encode(bytes, type, flags, stream, clock, sequence, payload);
        if (version != WireFormat.Version)
        {
            // Re-seal with the other version: rewrite the header, then the frame CRC.
            new FrameHeader(type, flags, payload.Length, stream, clock, sequence, version).Write(bytes);
            int crcOffset = bytes.Length - 4;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(crcOffset), Crc32C.Compute(bytes.AsSpan(0, crcOffset)));
        }

        return new Built(bytes, new ExpectedFrame(type, (ushort)flags, stream, sequence, clock, payload, null));
    }

    private static TestVector Single(string name, string description, Built frame) =>
        Multi(name, KindValidOrCorrupt.Valid, description, [frame], frame.Bytes, Expect(frames: 1));

    private static TestVector Corrupt(string name, string description, Built[] delivered, byte[] stream, string expect) =>
        Multi(name, KindValidOrCorrupt.Corrupt, description, delivered, stream, expect);

    private static TestVector Multi(string name, KindValidOrCorrupt kind, string description, Built[] delivered, byte[] stream, string expect) =>
        new(name, kind == KindValidOrCorrupt.Valid ? TestVector.KindValid : TestVector.KindCorrupt, description, stream,
            delivered.Select(b => b.Frame).ToArray(), expect);

    private static string Expect(
        long frames, long discarded = 0, long headerCrc = 0, long frameCrc = 0, long badLength = 0, long badVersions = 0,
        long unknownTypes = 0, long gaps = 0, long lost = 0, long regressions = 0) =>
        new DeframerCounters(frames, 0, discarded, headerCrc, frameCrc, badLength, badVersions, unknownTypes, gaps, lost, regressions).ToExpectText();

    private static byte[] Flip(byte[] bytes, int index, byte mask)
    {
        byte[] copy = (byte[])bytes.Clone();
        copy[index] ^= mask;
        return copy;
    }

    private static byte[] Concat(params Built[] frames) => frames.SelectMany(b => b.Bytes).ToArray();

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
