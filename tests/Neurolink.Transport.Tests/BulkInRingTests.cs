using Neurolink.Protocol;
using Neurolink.Protocol.Payloads;
using Neurolink.Transport.Usb;

namespace Neurolink.Transport.Tests;

/// <summary>
/// The bulk-IN transfer ring through a fake of libusb: completions in order, partial reads,
/// resubmission, stall, overflow, errors, a vanished device, backpressure, and cancellation on close.
/// </summary>
public sealed class BulkInRingTests
{
    /// <summary>Plays the endpoint: completes submitted transfers in order with the bytes or status a test gives.</summary>
    private sealed unsafe class FakeEndpoint : IBulkInBackend
    {
        private readonly Queue<(int Index, nint Buffer, int Length)> _submitted = new();
        private readonly object _gate = new();

        public BulkInRing? Ring { get; set; }

        public int Submissions { get; private set; }

        public int HaltsCleared { get; private set; }

        public int ClearHaltResult { get; set; }

        public int SubmitResult { get; set; }

        public bool IgnoreCancel { get; set; }

        public int Pending { get { lock (_gate) { return _submitted.Count; } } }

        public int Submit(int index, byte* buffer, int length)
        {
            lock (_gate)
            {
                if (SubmitResult != 0)
                {
                    return SubmitResult;
                }

                Submissions++;
                _submitted.Enqueue((index, (nint)buffer, length));
                return 0;
            }
        }

        public void Cancel(int index)
        {
            if (IgnoreCancel)
            {
                return;
            }

            // libusb completes a cancelled transfer later, on the event thread.
            ThreadPool.QueueUserWorkItem(_ =>
            {
                lock (_gate)
                {
                    var rest = _submitted.Where(s => s.Index != index).ToList();
                    _submitted.Clear();
                    rest.ForEach(_submitted.Enqueue);
                }

                Ring!.OnCompleted(index, UsbTransferStatus.Cancelled, 0);
            });
        }

        public int ClearHalt()
        {
            HaltsCleared++;
            return ClearHaltResult;
        }

        /// <summary>The device fills the oldest transfer in flight.</summary>
        public void Complete(ReadOnlySpan<byte> data, UsbTransferStatus status = UsbTransferStatus.Completed)
        {
            (int index, nint buffer, int length) slot;
            lock (_gate)
            {
                slot = _submitted.Dequeue();
            }

            int n = Math.Min(data.Length, slot.length);
            data[..n].CopyTo(new Span<byte>((byte*)slot.buffer, n));
            Ring!.OnCompleted(slot.index, status, status == UsbTransferStatus.Overflow ? slot.length : n);
        }
    }

    private static (BulkInRing Ring, FakeEndpoint Device) Open(int transfers = 4, int size = 1024)
    {
        var device = new FakeEndpoint();
        var ring = new BulkInRing(device, transfers, size);
        device.Ring = ring;
        ring.Start();
        return (ring, device);
    }

    private static byte[] ReadAll(BulkInRing ring, int expected, int chunk = 100)
    {
        var result = new List<byte>();
        var buffer = new byte[chunk];
        while (result.Count < expected)
        {
            int n = ring.Read(buffer, new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
            if (n == 0)
            {
                break;
            }

            result.AddRange(buffer.AsSpan(0, n).ToArray());
        }

        return [.. result];
    }

    [Fact]
    public async Task Transfers_are_read_in_order_in_pieces_and_resubmitted_once_read()
    {
        var (ring, device) = Open();
        Assert.Equal(4, device.Submissions);
        byte[] data = Enumerable.Range(0, 10 * 1024).Select(i => (byte)(i * 7)).ToArray();
        var reader = Task.Run(() => ReadAll(ring, data.Length, chunk: 300));
        for (int i = 0; i < 10; i++)
        {
            SpinWait.SpinUntil(() => device.Pending > 0);
            device.Complete(data.AsSpan(i * 1024, 1024));
        }

        Assert.Equal(data, await reader);
        Assert.Equal(14, device.Submissions);
        Assert.Equal(new BulkInCounters(10, 10 * 1024, 0, 0, 0), ring.Counters);
        Assert.True(ring.Cancel(TimeSpan.FromSeconds(5)));
        ring.Dispose();
    }

    [Fact]
    public void A_reader_that_falls_behind_holds_the_transfers_back()
    {
        var (ring, device) = Open();
        for (int i = 0; i < 4; i++)
        {
            device.Complete(new byte[1024]);
        }

        // Nothing read: nothing resubmitted, so the device is throttled rather than overrun.
        Assert.Equal(0, ring.InFlight);
        Assert.Equal(4, device.Submissions);
        Assert.Equal(1024, ReadAll(ring, 1024, chunk: 1024).Length);
        Assert.Equal(1, ring.InFlight);
        Assert.True(ring.Cancel(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void A_stall_is_cleared_and_the_data_goes_on()
    {
        var (ring, device) = Open();
        device.Complete([], UsbTransferStatus.Stall);
        device.Complete([1, 2, 3]);
        Assert.Equal([1, 2, 3], ReadAll(ring, 3));
        Assert.Equal(1, device.HaltsCleared);
        Assert.Equal(1, ring.Counters.Stalls);
        Assert.Null(ring.EndReason);
        Assert.True(ring.Cancel(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void A_stall_that_cannot_be_cleared_ends_the_link_with_the_reason()
    {
        var (ring, device) = Open();
        device.ClearHaltResult = -9;
        device.Complete([], UsbTransferStatus.Stall);
        Assert.Empty(ReadAll(ring, 1));
        Assert.Contains("stalled", ring.EndReason, StringComparison.Ordinal);
        Assert.True(ring.Cancel(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task An_overflow_loses_that_transfer_and_the_deframer_counts_the_damage_without_passing_a_bad_frame()
    {
        var (ring, device) = Open(transfers: 4, size: 512);

        // 40 frames of 100 bytes, sent in 512-byte packets; the third packet overflows and is lost.
        var stream = new List<byte>();
        for (uint s = 0; s < 40; s++)
        {
            var frame = new byte[WireFormat.FrameLength(SpikeCounts.FixedSize + 60)];
            FrameEncoder.Encode(frame, new SpikeCounts(0, 30, new byte[60]), FrameFlags.DeviceToHost, StreamAddress.Of(StreamKind.Counts), s * 30, s);
            stream.AddRange(frame);
        }

        byte[] bytes = [.. stream];
        int packets = (bytes.Length + 511) / 512;
        var feeder = Task.Run(() =>
        {
            for (int p = 0; p < packets; p++)
            {
                SpinWait.SpinUntil(() => device.Pending > 0);
                ReadOnlySpan<byte> packet = bytes.AsSpan(p * 512, Math.Min(512, bytes.Length - (p * 512)));
                device.Complete(packet, p == 2 ? UsbTransferStatus.Overflow : UsbTransferStatus.Completed);
            }

            SpinWait.SpinUntil(() => device.Pending > 0);
            device.Complete([], UsbTransferStatus.NoDevice);
        });

        using var deframer = new Deframer();
        var delivered = new List<uint>();
        while (true)
        {
            int n = ring.Read(deframer.GetWriteSpan(4096), CancellationToken.None);
            if (n == 0)
            {
                deframer.Complete();
            }
            else
            {
                deframer.Advance(n);
            }

            while (deframer.TryRead(out Frame f))
            {
                Assert.True(SpikeCounts.TryRead(f.Payload, out _, out _));
                delivered.Add(f.Header.Sequence);
            }

            if (n == 0)
            {
                break;
            }
        }

        await feeder;
        Assert.Equal(1, ring.Counters.Overflows);
        DeframerCounters c = deframer.Counters;
        Assert.Equal(40 - delivered.Count, c.FramesLost);
        Assert.True(c.FramesLost is >= 5 and <= 7, $"one 512-byte packet spans 5 to 7 frames of {bytes.Length / 40} bytes (lost {c.FramesLost})");
        Assert.Equal("the USB device was disconnected", ring.EndReason);
        Assert.True(ring.Cancel(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_few_errors_are_survived_and_a_run_of_them_ends_the_link()
    {
        var (ring, device) = Open();
        device.Complete([], UsbTransferStatus.Error);
        device.Complete([], UsbTransferStatus.TimedOut);
        device.Complete([9]);
        Assert.Equal([9], ReadAll(ring, 1));
        Assert.Equal(2, ring.Counters.Errors);

        var reader = Task.Run(() => ReadAll(ring, 1));
        for (int i = 0; i < 8; i++)
        {
            SpinWait.SpinUntil(() => device.Pending > 0);
            device.Complete([], UsbTransferStatus.Error);
        }

        Assert.Empty(await reader);
        Assert.Contains("8 USB transfers failed in a row", ring.EndReason, StringComparison.Ordinal);
        Assert.True(ring.Cancel(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void A_vanished_device_ends_the_link_after_the_data_before_it()
    {
        var (ring, device) = Open();
        device.Complete([1, 2]);
        device.Complete([], UsbTransferStatus.NoDevice);
        Assert.Equal([1, 2], ReadAll(ring, 10));
        Assert.Equal(0, ring.Read(new byte[10], CancellationToken.None));
        Assert.Equal("the USB device was disconnected", ring.EndReason);
        Assert.True(ring.Cancel(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void A_device_gone_at_resubmission_ends_the_link()
    {
        var (ring, device) = Open();
        device.SubmitResult = -4;
        device.Complete([5]);
        Assert.Equal([5], ReadAll(ring, 10));
        Assert.Equal("the USB device was disconnected", ring.EndReason);
        Assert.True(ring.Cancel(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void A_read_waits_for_data_and_can_be_cancelled()
    {
        var (ring, _) = Open();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        Assert.Throws<OperationCanceledException>(() => ring.Read(new byte[10], cancel.Token));
        Assert.True(ring.Cancel(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void Closing_cancels_every_transfer_and_waits_for_each_to_come_back()
    {
        var (ring, device) = Open(transfers: 8);
        Assert.Equal(8, ring.InFlight);
        Assert.True(ring.Cancel(TimeSpan.FromSeconds(5)));
        Assert.Equal(0, ring.InFlight);
        Assert.Equal(0, ring.Read(new byte[10], CancellationToken.None));
        ring.Dispose();

        var (stuck, stuckDevice) = Open();
        stuckDevice.IgnoreCancel = true;
        Assert.False(stuck.Cancel(TimeSpan.FromMilliseconds(50)));
        Assert.Equal(4, stuck.InFlight);
    }
}
