using Neurolink.Emulator.Faults;
using Neurolink.Protocol;
using Neurolink.Protocol.Payloads;

namespace Neurolink.Emulator.Tests;

/// <summary>Every fault kind, injected on its own, appears in the ground truth and is what the host sees.</summary>
public class FaultInjectionTests
{
    private sealed class Rig : IDisposable
    {
        public Rig(string faults, EmulatorClock clock = EmulatorClock.Virtual, int fifoBytes = 8 << 20)
        {
            (Emulator, Connector) = HeadstageEmulator.StartInProcess(new EmulatorOptions
            {
                Channels = 64, Seed = 3, Tissue = new() { Neurons = 800 }, Faults = FaultPlan.Parse(faults), Clock = clock, FifoBytes = fifoBytes,
            });
        }

        public HeadstageEmulator Emulator { get; }

        public InProcessConnector Connector { get; }

        public void Dispose()
        {
            Emulator.Dispose();
            Connector.Dispose();
        }
    }

    /// <summary>Says HELLO, acquires spike frames until <paramref name="frames"/> data frames arrived, stops.</summary>
    private static List<HostFrame> Acquire(HostSession session, int frames)
    {
        session.Hello();
        session.Send(new StartAcquisition(StreamMask.Counts | StreamMask.Events));
        var data = new List<HostFrame>();
        while (data.Count < frames)
        {
            HostFrame f = session.Expect(_ => true);
            if (f.Type is FrameType.SpikeCounts or FrameType.SpikeEvents)
            {
                data.Add(f);
            }
        }

        return data;
    }

    private static InjectedFault[] Of(Rig rig, string kind) => rig.Emulator.Truth.Faults().Where(f => f.Kind == kind).ToArray();

    /// <summary>The last sequence number the host saw on each stream.</summary>
    private static Dictionary<ushort, uint> LastSeen(List<HostFrame> frames) =>
        frames.GroupBy(f => f.Header.Stream).ToDictionary(g => g.Key, g => g.Max(f => f.Header.Sequence));

    /// <summary>Faults of a kind that hit a frame before the last one the host saw on its stream.</summary>
    private static int BeforeLastSeen(Rig rig, string kind, Dictionary<ushort, uint> lastSeen) =>
        Of(rig, kind).Count(f => lastSeen.TryGetValue(f.Stream, out uint last) && f.Sequence < last);

    [Fact]
    public void Dropped_frames_are_exactly_the_host_sequence_losses()
    {
        using var rig = new Rig("drop:0.02");
        using var session = new HostSession(rig.Connector.Connect());
        Acquire(session, 3000);
        var (frames, counters) = session.Snapshot();

        // A drop is visible to the host once a later frame of the same stream has arrived.
        int visible = BeforeLastSeen(rig, "drop", LastSeen(frames));
        Assert.True(visible > 10);
        Assert.Equal(visible, counters.FramesLost);
    }

    [Fact]
    public void Duplicated_frames_are_the_host_sequence_regressions()
    {
        using var rig = new Rig("dup:0.02");
        using var session = new HostSession(rig.Connector.Connect());
        Acquire(session, 3000);
        var (frames, counters) = session.Snapshot();

        // A duplicate goes out right after its original: every one before the last frame seen has
        // arrived; one of the last frame of a stream may have arrived too.
        Dictionary<ushort, uint> lastSeen = LastSeen(frames);
        int visible = BeforeLastSeen(rig, "dup", lastSeen);
        Assert.True(visible > 10);
        Assert.InRange(counters.SequenceRegressions, visible, visible + lastSeen.Count);
    }

    [Theory]
    [InlineData("bitflip:1e-5", "bitflip")]
    [InlineData("truncate:0.01", "truncate")]
    [InlineData("dropbyte:1e-5", "dropbyte")]
    public void Corruption_is_recorded_and_never_delivered(string faults, string kind)
    {
        using var rig = new Rig(faults);
        using var session = new HostSession(rig.Connector.Connect());
        List<HostFrame> data = Acquire(session, 3000);
        Assert.NotEmpty(Of(rig, kind));
        DeframerCounters c = session.Counters;
        Assert.True(c.HeaderCrcErrors + c.FrameCrcErrors + c.DiscardedBytes > 0);
        Assert.All(data, f => Assert.NotNull(PayloadText.Describe((byte)f.Type, f.Payload, out _)));
    }

    [Fact]
    public void Reordered_frames_show_as_a_gap_then_a_regression()
    {
        using var rig = new Rig("reorder:0.01");
        using var session = new HostSession(rig.Connector.Connect());
        Acquire(session, 3000);
        Assert.NotEmpty(Of(rig, "reorder"));
        Assert.True(session.Counters.SequenceRegressions > 0);
    }

    [Fact]
    public void Stalls_are_recorded()
    {
        using var rig = new Rig("stall:0.005,stall-ms:2");
        using var session = new HostSession(rig.Connector.Connect());
        Acquire(session, 1000);
        Assert.All(Of(rig, "stall"), s => Assert.Equal(2, s.Detail));
        Assert.NotEmpty(Of(rig, "stall"));
    }

    [Fact]
    public void A_disconnect_closes_the_link_and_the_device_serves_the_next_connection()
    {
        using var rig = new Rig("disconnect-after:300");
        using (var first = new HostSession(rig.Connector.Connect()))
        {
            first.Hello();
            first.Send(new StartAcquisition(StreamMask.Counts));
            SpinWait.SpinUntil(() => first.Closed, TimeSpan.FromSeconds(20));
            Assert.True(first.Closed, "the link should close after 300 frames");
        }

        InjectedFault disconnect = Assert.Single(Of(rig, "disconnect"));
        Assert.Equal(300, disconnect.Detail);
        using var second = new HostSession(rig.Connector.Connect());
        Assert.Equal(1, second.Hello().SelectedVersion);
    }

    [Fact]
    public void Late_acks_arrive_late_and_are_recorded()
    {
        using var rig = new Rig("ack-delay-ms:30");
        using var session = new HostSession(rig.Connector.Connect());
        session.Hello();
        Ack ack = session.WriteRegister((uint)Register.SpikeBinUs, 2000);
        Assert.Equal(2000u, ack.Value);
        Assert.Contains(Of(rig, "ack-delay"), f => f.FrameType == (byte)FrameType.Ack);
    }

    [Fact]
    public void Missing_acks_never_arrive_and_are_recorded()
    {
        using var rig = new Rig("ack-drop:1");
        using var session = new HostSession(rig.Connector.Connect());
        session.Hello();
        session.Send(new RegWrite((uint)Register.SpikeBinUs, 2000));
        session.Send(new Ping(1, 1));
        var before = new List<HostFrame>();
        session.Expect(f => f.Type == FrameType.Pong, before);
        Assert.DoesNotContain(before, f => f.Type == FrameType.Ack);
        Assert.Single(Of(rig, "ack-drop"));
    }

    [Fact]
    public void Clock_drift_is_recorded_for_a_paced_device()
    {
        using var rig = new Rig("drift-ppm:100", EmulatorClock.Paced);
        using var session = new HostSession(rig.Connector.Connect());
        session.Hello();
        Assert.Equal(100, Assert.Single(Of(rig, "drift")).Detail);
    }

    [Fact]
    public void A_host_too_slow_for_a_paced_device_gets_gap_frames_for_exactly_what_was_dropped()
    {
        using var rig = new Rig("", EmulatorClock.Paced, fifoBytes: 65_536);
        var transport = rig.Connector.Connect();
        var hello = new byte[WireFormat.FrameLength(Hello.Size)];
        FrameEncoder.Encode(hello, new Hello(1, 1, WireFormat.MaxFrameBytes, 0), FrameFlags.None, 0, 0, 0);
        var start = new byte[WireFormat.FrameLength(StartAcquisition.Size)];
        FrameEncoder.Encode(start, new StartAcquisition(StreamMask.Raw), FrameFlags.None, 0, 0, 1);
        transport.Write([.. hello, .. start], CancellationToken.None);

        // Nobody reads: the link fills, then the device FIFO, then frames are dropped.
        Assert.True(SpinWait.SpinUntil(() => rig.Emulator.Truth.FifoDroppedFrames > 20, TimeSpan.FromSeconds(30)), "the device FIFO never overflowed");

        using var session = new HostSession(transport);
        session.Send(default(StopAcquisition));
        var frames = new List<HostFrame>();
        session.Expect(f => f.Type == FrameType.Ack && Ack.TryRead(f.Payload, out Ack a, out _) && a.RequestType == FrameType.Stop, frames);
        var gaps = frames.Where(f => f.Type == FrameType.Gap).Select(f => { Gap.TryRead(f.Payload, out Gap g, out _); return g; }).ToList();
        Assert.NotEmpty(gaps);
        Assert.All(gaps, g => Assert.Equal(GapReason.FifoOverflow, g.Reason));
        Assert.Equal(rig.Emulator.Truth.FifoDroppedSamples, gaps.Sum(g => (long)g.LostSamples));
        Assert.Equal(rig.Emulator.Truth.FifoDroppedFrames, gaps.Sum(g => (long)g.LostFrames));
    }
}
