using Neurolink.Cli;
using Neurolink.Transport;

namespace Neurolink.Device.Tests;

/// <summary><c>neurolink probe</c> against the in-process emulator, compared with its ground truth.</summary>
public class ProbeTests
{
    [Fact]
    public void A_clean_link_reports_every_frame_the_emulator_sent_and_no_loss()
    {
        var report = ProbeCommand.Run(DeviceUri.Parse("emu://?channels=32&neurons=300&clock=virtual"), 0.5, CancellationToken.None);
        var truth = (Dictionary<string, object?>)report["truth"]!;
        Assert.True((long)report["frames"]! > 100);
        Assert.Equal(truth["frames_sent"], report["frames"]);
        Assert.Equal(0L, report["lost_frames"]);
        Assert.Equal(0L, report["crc_errors"]);
        Assert.Equal(0L, report["device_gaps"]);
        Assert.Contains("rtt_us", report.Keys);
    }

    [Fact]
    public void Dropped_frames_are_reported_as_the_emulator_dropped_them()
    {
        var report = ProbeCommand.Run(DeviceUri.Parse("emu://?channels=32&neurons=300&clock=virtual&faults=drop:0.01"), 0.5, CancellationToken.None);
        var truth = (Dictionary<string, object?>)report["truth"]!;
        long lost = (long)report["lost_frames"]!;
        int dropped = (int)truth["lost_frames"]!;

        // A drop among the last frames of a stream leaves no later frame to reveal it. Should
        // the link go down and come back (a stalled machine can miss the link's deadlines), the
        // frames of the hole are counted as one link-down record, not as lost, and the drops the
        // emulator made in it cannot be seen: then no more may be reported lost than were dropped.
        string seen = $"lost {lost}, dropped {dropped}: {System.Text.Json.JsonSerializer.Serialize(report)}";
        long floor = (long)report["reconnects"]! == 0 ? dropped - 3 : 0;
        Assert.True(lost >= floor && lost <= dropped, seen);
        Assert.True(dropped > 5);
    }
}
