using System.Diagnostics;
using Neurolink.Protocol;
using Neurolink.Protocol.Payloads;
using Neurolink.Transport;

namespace Neurolink.Device.Acquisition;

/// <summary>The state of a session's link.</summary>
public enum LinkState
{
    /// <summary>Not started yet.</summary>
    Idle,

    /// <summary>Connected and acquiring.</summary>
    Acquiring,

    /// <summary>The link went down; reconnecting with backoff.</summary>
    Reconnecting,

    /// <summary>Ended: disposed, or the link went down with reconnection turned off.</summary>
    Ended,
}

/// <summary>
/// Acquisition from one headstage, kept going: it connects, configures and starts the device,
/// puts every data frame into a <see cref="FrameRing"/> for its consumers, counts every loss by
/// cause (and puts sequence gaps and link downs in the stream as <see cref="LossRecord"/>s),
/// PINGs the device for the round trip and the clock sync, and, when the link goes down,
/// reconnects with backoff, handshakes again, reconfigures, resumes acquisition and records the
/// gap. On dispose, stimulation is disarmed and acquisition stopped before the link is closed.
/// </summary>
public sealed class AcquisitionSession : IDisposable
{
    private const int RttWindow = 4096;

    private readonly Func<CancellationToken, ITransport> _open;
    private readonly AcquisitionOptions _options;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _driverGate = new();
    private readonly long[] _expected = new long[65536];
    private readonly ulong[] _streamEnd = new ulong[65536];
    private readonly double[] _rtts = new double[RttWindow];
    private readonly object _rttGate = new();
    private Thread? _supervisor;
    private HeadstageDriver? _driver;
    private DeframerCounters _closedLinks;
    private long _heartbeatBase, _heartbeatDropped;
    private long _frames, _framesLost, _sequenceGaps, _deviceGapFrames, _deviceLostFrames, _deviceLostSamples, _deviceErrors;
    private long _linkDowns, _reconnects, _linkDownSamples;
    private long _rttCount;
    private ulong _lastEnd;
    private bool _linkDownPending;
    private int _state;
    private int _disposed;
    private double _sampleRateHz;
    private string? _lastError;
    private Action? _afterFrames;

    /// <summary>
    /// Creates a session; <paramref name="open"/> opens the link each time one is needed (at
    /// start and after every disconnect) and may throw <see cref="TransportException"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A bad setting, named.</exception>
    public AcquisitionSession(Func<CancellationToken, ITransport> open, AcquisitionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(open);
        _open = open;
        _options = options ?? new AcquisitionOptions();
        _options.Validate();
        Ring = new FrameRing(_options.Ring);
        Array.Fill(_expected, -1);
    }

    /// <summary>The ring the frames land in; add consumers to it.</summary>
    public FrameRing Ring { get; }

    /// <summary>
    /// Runs on the reader thread after the frames of each read are in the ring, on every
    /// connection (see <see cref="HeadstageDriver.AfterFrames"/>): a consumer that takes its frames
    /// on the reader thread drains itself here, without a second thread to wake. It must not
    /// make requests to the driver (their answers come through this thread). Null: nothing.
    /// </summary>
    public Action? AfterFrames
    {
        get => Volatile.Read(ref _afterFrames);
        set => Volatile.Write(ref _afterFrames, value);
    }

    /// <summary>The device's capabilities, from the latest handshake (null before <see cref="Start"/>).</summary>
    public Capabilities? Capabilities { get; private set; }

    /// <summary>The device's sample rate, Hz, read at every connection before <see cref="AcquisitionOptions.Configure"/> runs (0 before the first).</summary>
    public double SampleRateHz => Volatile.Read(ref _sampleRateHz);

    /// <summary>The link's state.</summary>
    public LinkState State => (LinkState)Volatile.Read(ref _state);

    /// <summary>The last reconnection error, for the status line; null when none.</summary>
    public string? LastError => Volatile.Read(ref _lastError);

    /// <summary>The device clock's mapping to host time and its drift, from PINGs.</summary>
    public ClockSync? Clock { get; private set; }

    /// <summary>The current driver (it changes after a reconnect); null while reconnecting.</summary>
    public HeadstageDriver? Driver { get { lock (_driverGate) { return _driver; } } }

    /// <summary>Everything received and lost, by cause, over every connection.</summary>
    public AcquisitionCounters Counters
    {
        get
        {
            DeframerCounters d;
            lock (_driverGate)
            {
                d = Add(_closedLinks, _driver?.Counters ?? default);
            }

            FrameRingCounters r = Ring.Counters;
            return new AcquisitionCounters(
                Frames: Interlocked.Read(ref _frames),
                FramesReceived: d.Frames,
                Bytes: d.BytesReceived,
                SequenceGaps: Interlocked.Read(ref _sequenceGaps),
                FramesLost: Interlocked.Read(ref _framesLost),
                SequenceRegressions: d.SequenceRegressions,
                CrcErrors: d.HeaderCrcErrors + d.FrameCrcErrors,
                ResyncBytes: d.DiscardedBytes,
                DeviceGapFrames: Interlocked.Read(ref _deviceGapFrames),
                DeviceLostFrames: Interlocked.Read(ref _deviceLostFrames),
                DeviceLostSamples: Interlocked.Read(ref _deviceLostSamples),
                DeviceDroppedFrames: Interlocked.Read(ref _heartbeatBase) + Interlocked.Read(ref _heartbeatDropped),
                RingOverrunFrames: r.OverrunFrames,
                RingOverrunBytes: r.OverrunBytes,
                RingWaitSeconds: r.WaitedSeconds,
                LinkDowns: Interlocked.Read(ref _linkDowns),
                Reconnects: Interlocked.Read(ref _reconnects),
                LinkDownSamples: Interlocked.Read(ref _linkDownSamples),
                DeviceErrors: Interlocked.Read(ref _deviceErrors));
        }
    }

    /// <summary>PING round trips, microseconds, at the given quantiles (0..1) over the last 4096; NaN before the first.</summary>
    public double RoundTripMicroseconds(double quantile)
    {
        double[] copy;
        lock (_rttGate)
        {
            int n = (int)Math.Min(_rttCount, RttWindow);
            if (n == 0)
            {
                return double.NaN;
            }

            copy = _rtts[..n];
        }

        Array.Sort(copy);
        return copy[(int)Math.Clamp(Math.Ceiling(quantile * copy.Length) - 1, 0, copy.Length - 1)];
    }

    /// <summary>
    /// Connects, configures and starts acquisition, then keeps it going on the session's thread.
    /// </summary>
    /// <exception cref="TransportException">The device cannot be opened; the message says why.</exception>
    /// <exception cref="DeviceException">The device did not answer or refused; the message says why.</exception>
    public void Start()
    {
        if (Interlocked.CompareExchange(ref _state, (int)LinkState.Acquiring, (int)LinkState.Idle) != (int)LinkState.Idle)
        {
            throw new InvalidOperationException("the session was already started");
        }

        try
        {
            Connect();
        }
        catch
        {
            Volatile.Write(ref _state, (int)LinkState.Ended);
            throw;
        }

        _supervisor = new Thread(Supervise) { IsBackground = true, Name = "neurolink-session" };
        _supervisor.Start();
    }

    /// <summary>
    /// Ends the session in the safe order: no more reconnecting, stimulation disarmed, then
    /// acquisition stopped. When it returns, every frame the device sent before its STOP answer
    /// is in the ring, so consumers can drain it and the counters are final. The link stays open
    /// until <see cref="Dispose"/>. Best effort when the device is gone.
    /// </summary>
    public void Stop()
    {
        _stop.Cancel();
        _supervisor?.Join();
        HeadstageDriver? driver = Driver;
        if (driver is not null && !driver.LinkClosed && Capabilities is not null)
        {
            try
            {
                driver.DisarmAll();
                driver.Stop();
            }
            catch (Exception e) when (e is DeviceException or TransportClosedException)
            {
                Volatile.Write(ref _lastError, e.Message);
            }
        }

        Ring.FlushLosses();
        Volatile.Write(ref _state, (int)LinkState.Ended);
    }

    /// <summary>Disarms stimulation, stops acquisition, closes the link and frees the ring. Stop the consumers first.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        _supervisor?.Join();
        lock (_driverGate)
        {
            _driver?.Dispose();
            _driver = null;
        }

        Volatile.Write(ref _state, (int)LinkState.Ended);
        Ring.Dispose();
        _stop.Dispose();
    }

    private static DeframerCounters Add(DeframerCounters a, DeframerCounters b) => new(
        a.Frames + b.Frames, a.BytesReceived + b.BytesReceived, a.DiscardedBytes + b.DiscardedBytes, a.HeaderCrcErrors + b.HeaderCrcErrors,
        a.FrameCrcErrors + b.FrameCrcErrors, a.BadLengths + b.BadLengths, a.BadVersions + b.BadVersions, a.UnknownTypes + b.UnknownTypes,
        a.SequenceGaps + b.SequenceGaps, a.FramesLost + b.FramesLost, a.SequenceRegressions + b.SequenceRegressions);

    /// <summary>Samples a data frame covers, from its payload.</summary>
    private static ulong SampleSpan(in Frame frame) => frame.Type switch
    {
        FrameType.RawSamples when RawSamples.TryRead(frame.Payload, out RawSamples raw, out _) => raw.SampleCount,
        FrameType.SpikeCounts when SpikeCounts.TryRead(frame.Payload, out SpikeCounts counts, out _) => counts.BinSamples,
        FrameType.SpikeEvents when SpikeEvents.TryRead(frame.Payload, out SpikeEvents events, out _) => events.WindowSamples,
        FrameType.Gap when Gap.TryRead(frame.Payload, out Gap gap, out _) => gap.LostSamples,
        _ => 0,
    };

    /// <summary>Opens the link, handshakes, configures and starts; the new driver replaces the old.</summary>
    private void Connect()
    {
        ITransport transport = _open(_stop.Token);
        var driver = new HeadstageDriver(transport, _options.Driver);
        try
        {
            driver.DataFrame = OnFrame;
            driver.AfterFrames = () => Volatile.Read(ref _afterFrames)?.Invoke();
            Capabilities caps = driver.Connect();

            // HELLO restarts every stream's sequence at 0 (SPEC section 6), so even the loss of
            // the first data frame after it is seen. Frames before the answer were in flight before.
            foreach (StreamKind kind in (ReadOnlySpan<StreamKind>)[StreamKind.Raw, StreamKind.Events, StreamKind.Counts])
            {
                _expected[StreamAddress.Of(kind)] = 0;
            }

            uint rate = driver.ReadRegister((uint)Register.SampleRateHz);
            Volatile.Write(ref _sampleRateHz, rate);
            _options.Configure?.Invoke(driver);
            lock (_driverGate)
            {
                _driver = driver;
            }

            ulong started;
            long framesBefore = Interlocked.Read(ref _frames);
            try
            {
                started = driver.Start(_options.Streams);
            }
            catch (Exception e) when (e is DeviceException or TransportClosedException && Interlocked.Read(ref _frames) > framesBefore)
            {
                // The answer to START was lost (and the check after it failed), but START's data
                // is arriving: acquisition runs on this link. Keep it, so its frames and counters
                // belong to a connection; if the link is closing, it is recovered and counted as
                // any other link that goes down.
                Volatile.Write(ref _lastError, e.Message);
                Clock ??= new ClockSync(rate);
                Capabilities = caps;
                return;
            }

            if (Clock is null || (_linkDownPending && started < _lastEnd))
            {
                // First connection, or the device's clock started again (it was power-cycled).
                Clock = new ClockSync(rate);
            }

            Capabilities = caps;
        }
        catch
        {
            lock (_driverGate)
            {
                if (_driver == driver)
                {
                    _driver = null;
                }

                // What this attempt received (bytes, CRC errors) counts, though it failed.
                _closedLinks = Add(_closedLinks, driver.Counters);
            }

            driver.Dispose();
            throw;
        }
    }

    /// <summary>On the reader thread: accounting, then the frame into the ring.</summary>
    private void OnFrame(in Frame frame, long received)
    {
        switch (frame.Type)
        {
            case FrameType.Heartbeat:
                if (Heartbeat.TryRead(frame.Payload, out Heartbeat hb, out _))
                {
                    Volatile.Write(ref _heartbeatDropped, hb.FramesDropped);
                }

                return;
            case FrameType.Error:
                Interlocked.Increment(ref _deviceErrors);
                return;
            case FrameType.RawSamples or FrameType.SpikeEvents or FrameType.SpikeCounts or FrameType.Gap:
                break;
            default:
                return;
        }

        FrameHeader h = frame.Header;
        if (_linkDownPending)
        {
            _linkDownPending = false;
            ulong from = _lastEnd;
            Interlocked.Add(ref _linkDownSamples, h.SampleClock > from ? (long)(h.SampleClock - from) : 0);
            Ring.WriteLoss(new LossRecord(LossKind.LinkDown, 0, 0, 0, from, h.SampleClock), received);
        }

        long expected = _expected[h.Stream];
        if (expected >= 0 && h.Sequence > expected)
        {
            Interlocked.Increment(ref _sequenceGaps);
            Interlocked.Add(ref _framesLost, h.Sequence - expected);
            Ring.WriteLoss(new LossRecord(LossKind.SequenceGap, h.Stream, h.Sequence - expected, 0, _streamEnd[h.Stream], h.SampleClock), received);
        }

        if (expected >= 0 && h.Sequence < expected)
        {
            // A repeat, or a frame overtaken by a later one and already reported lost: consumers
            // see each stream once, in order, and the deframer counts it as a regression.
            return;
        }

        _expected[h.Stream] = h.Sequence + 1L;
        _streamEnd[h.Stream] = h.SampleClock + SampleSpan(frame);
        _lastEnd = Math.Max(_lastEnd, _streamEnd[h.Stream]);

        if (frame.Type == FrameType.Gap && Gap.TryRead(frame.Payload, out Gap gap, out _))
        {
            Interlocked.Increment(ref _deviceGapFrames);
            Interlocked.Add(ref _deviceLostFrames, gap.LostFrames);
            Interlocked.Add(ref _deviceLostSamples, (long)gap.LostSamples);
        }

        if (Ring.Write(frame, received))
        {
            Interlocked.Increment(ref _frames);
        }
    }

    private void Supervise()
    {
        CancellationToken stop = _stop.Token;
        long nextPing = Stopwatch.GetTimestamp();
        while (!stop.IsCancellationRequested)
        {
            HeadstageDriver? driver = Driver;
            if (driver is null || driver.LinkClosed)
            {
                if (!Recover(driver))
                {
                    return;
                }

                continue;
            }

            if (_options.PingInterval == TimeSpan.Zero)
            {
                WaitHandle.WaitAny([driver.LinkClosedToken.WaitHandle, stop.WaitHandle]);
                continue;
            }

            TimeSpan untilPing = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), nextPing);
            if (untilPing > TimeSpan.Zero)
            {
                WaitHandle.WaitAny([driver.LinkClosedToken.WaitHandle, stop.WaitHandle], untilPing);
                continue;
            }

            nextPing = Stopwatch.GetTimestamp() + (long)(_options.PingInterval.TotalSeconds * Stopwatch.Frequency);
            try
            {
                PingResult ping = driver.Ping();
                Clock?.Add(ping.HostSeconds, ping.DeviceClock, ping.RoundTrip.TotalSeconds);
                lock (_rttGate)
                {
                    _rtts[_rttCount++ % RttWindow] = ping.RoundTrip.TotalMicroseconds;
                }
            }
            catch (Exception e) when (e is DeviceException or TransportClosedException or OperationCanceledException)
            {
                // A lost PONG is counted by the link counters; a closed link is handled above.
            }
        }
    }

    /// <summary>The link is down: count it, then reconnect with backoff until it works or the session ends.</summary>
    private bool Recover(HeadstageDriver? failed)
    {
        CancellationToken stop = _stop.Token;
        if (failed is not null)
        {
            Volatile.Write(ref _lastError, failed.CloseReason);
            lock (_driverGate)
            {
                _closedLinks = Add(_closedLinks, failed.Counters);
                _driver = null;
            }

            Interlocked.Add(ref _heartbeatBase, Interlocked.Exchange(ref _heartbeatDropped, 0));
            failed.Dispose();
            Interlocked.Increment(ref _linkDowns);
        }

        if (!_options.Reconnect)
        {
            Volatile.Write(ref _state, (int)LinkState.Ended);
            return false;
        }

        Volatile.Write(ref _state, (int)LinkState.Reconnecting);

        // Sequence numbers start again at the new HELLO; the hole is one link-down record.
        Array.Fill(_expected, -1);
        _linkDownPending = true;
        TimeSpan delay = _options.ReconnectDelay;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                Connect();
                Interlocked.Increment(ref _reconnects);
                Volatile.Write(ref _state, (int)LinkState.Acquiring);
                return true;
            }
            catch (Exception e) when (e is TransportException or TransportClosedException or DeviceException or IOException)
            {
                Volatile.Write(ref _lastError, e.Message);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }

            stop.WaitHandle.WaitOne(delay);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxReconnectDelay.Ticks));
        }

        return false;
    }
}
