using Microsoft.Extensions.Logging;

namespace Neurolink.Host;

/// <summary>The service's structured log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Closed loop running: device {Device}, {Channels} channels, mass {Neurons} neurons and {Synapses} synapses on {Backend}")]
    public static partial void Started(ILogger logger, string device, long channels, int neurons, long synapses, string backend);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Stimulation program not armed: {Problem}")]
    public static partial void ArmRefused(ILogger logger, string problem);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Loop: {Frames} frames, {LostFrames} lost, {DeadlineMisses} deadline misses, latency p50 {P50} us p99 {P99} us, {StimSent} triggers sent, {StimRefused} refused, link {Link}")]
    public static partial void Status(ILogger logger, long frames, long lostFrames, long deadlineMisses, double p50, double p99, long stimSent, long stimRefused, Neurolink.Device.Acquisition.LinkState link);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Device link is {State}: {Reason}; acquisition resumes when it reconnects")]
    public static partial void LinkDown(ILogger logger, string state, string? reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Critical, Message = "The closed loop failed; stimulation was stopped and the service stops")]
    public static partial void LoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Shutting down: stimulation disarmed, then acquisition stopped, then the device closed")]
    public static partial void Stopping(ILogger logger);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Closed loop stopped after {Seconds} s: {Frames} frames, {LostFrames} lost, {CrcErrors} CRC errors, {DeadlineMisses} deadline misses, latency p50 {P50} us p99 {P99} us p99.9 {P999} us max {Max} us, {StimSent} triggers sent, {StimRefused} refused")]
    public static partial void Stopped(ILogger logger, double seconds, long frames, long lostFrames, long crcErrors, long deadlineMisses, double p50, double p99, double p999, double max, long stimSent, long stimRefused);

    [LoggerMessage(EventId = 8, Level = LogLevel.Critical, Message = "The closed loop could not start: {Reason}")]
    public static partial void StartFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "The reader and loop threads run without real-time scheduling: {Reason}; latency will suffer on a busy machine")]
    public static partial void NoRealtime(ILogger logger, string reason);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "The reader and loop threads are not pinned to one CPU: {Reason}; latency will vary more")]
    public static partial void NotPinned(ILogger logger, string reason);

    [LoggerMessage(EventId = 9, Level = LogLevel.Information, Message = "Prometheus metrics at {Url}")]
    public static partial void Prometheus(ILogger logger, string url);
}
