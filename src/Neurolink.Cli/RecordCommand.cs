using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Neurolink.Device;
using Neurolink.Device.Acquisition;
using Neurolink.Host;
using Neurolink.Protocol;
using Neurolink.Protocol.Payloads;
using Neurolink.Recording;
using Neurolink.Transport;

namespace Neurolink.Cli;

/// <summary><c>neurolink record URI --out DIR</c>: an acquisition recorded in the Open Ephys binary layout.</summary>
public static class RecordCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Build()
    {
        var device = new Argument<string>("device") { Description = "The headstage: emu://?channels=1024, tcp://..., serial://..., usb://..." };
        var output = new Option<DirectoryInfo>("--out") { Description = "The directory to record into (Open Ephys layout below it)", Required = true };
        var seconds = new Option<double?>("--seconds") { Description = "Stop after this many seconds; default: until Ctrl+C" };
        var probe = new Option<FileInfo?>("--probe") { Description = "A probeinterface JSON file to put beside the recording (the built-in emulator's geometry is written without one)" };
        var command = new Command("record", "Record raw samples, spike events and every loss in the Open Ephys binary layout (Kilosort and SpikeInterface read it as is)") { device, output, seconds, probe };
        command.SetAction(async (result, cancellationToken) =>
        {
            if (!DeviceUri.TryParse(result.GetValue(device), out DeviceUri? uri, out string? error))
            {
                return Program.Fail(error!);
            }

            if (result.GetValue(seconds) is { } s && s is <= 0 or > 1e7)
            {
                return Program.Fail($"--seconds {s.ToString(CultureInfo.InvariantCulture)} is out of range: give more than 0");
            }

            using var opener = new DeviceOpener();
            using var session = new AcquisitionSession(_ => opener.Open(uri!), new AcquisitionOptions { Streams = StreamMask.Raw | StreamMask.Events });
            OpenEphysRecorder recorder;
            RingConsumer consumer = session.Ring.AddConsumer("recorder"); // before START: the first frame and every loss are the recorder's
            try
            {
                session.Start();
                recorder = new OpenEphysRecorder(consumer, DeviceOpener.RecordingSourceFor(session, uri!, result.GetValue(probe)?.FullName), result.GetValue(output)!.FullName);
            }
            catch (Exception e) when (e is TransportException or DeviceException or IOException or UnauthorizedAccessException or InvalidDataException)
            {
                consumer.Dispose();
                return Program.Fail($"cannot record: {e.Message}");
            }

            var wall = Stopwatch.StartNew();
            using (recorder)
            {
                recorder.Start();
                Console.Error.WriteLine($"neurolink: recording {uri} ({session.Capabilities!.ChannelCount} channels at {session.SampleRateHz} Hz) into {recorder.Folder}; Ctrl+C stops");
                try
                {
                    // Until the time is up, Ctrl+C, or the end of a replayed recording (file://).
                    double limit = result.GetValue(seconds) ?? double.PositiveInfinity;
                    while (wall.Elapsed.TotalSeconds < limit && !opener.ReplayFinished)
                    {
                        await Task.Delay(TimeSpan.FromSeconds(Math.Min(0.1, Math.Max(0.001, limit - wall.Elapsed.TotalSeconds))), cancellationToken);
                    }
                }
                catch (OperationCanceledException)
                {
                }

                session.Stop(); // every frame the device sent is in the ring before the recorder drains it
            }

            RecordingCounters c = recorder.Counters;
            double secondsRecorded = wall.Elapsed.TotalSeconds;
            AcquisitionCounters a = session.Counters;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"recorded {c.Samples} samples x {session.Capabilities!.ChannelCount} channels ({c.Samples / session.SampleRateHz:0.###} s of data, {c.Bytes / 1e6:0.#} MB, {c.Bytes / 1e6 / secondsRecorded:0.#} MB/s) and {c.SpikeEvents} spike events into {recorder.Folder}"));
            Console.WriteLine($"losses: {c.Losses} recorded in losses.jsonl (frames lost on the link {a.FramesLost}, ring overruns {a.RingOverrunFrames}, device gaps {a.DeviceGapFrames}, link downs {a.LinkDowns}); incomplete rows {c.IncompleteRows}");
            if (recorder.Fault is { } fault)
            {
                return Program.Fail($"the recording stopped early: {fault.Message}; what was written before is readable");
            }

            return 0;
        });
        return command;
    }
}
