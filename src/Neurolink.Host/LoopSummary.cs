using System.Text.Json;
using System.Text.Json.Serialization;

namespace Neurolink.Host;

/// <summary>Latency quantiles as the summary writes them, microseconds.</summary>
public sealed record class LatencyJson(
    [property: JsonPropertyName("p50")] double P50,
    [property: JsonPropertyName("p99")] double P99,
    [property: JsonPropertyName("p999")] double P999,
    [property: JsonPropertyName("max")] double Max);

/// <summary>What a closed-loop run did: the summary <c>neurolink run --json</c> and <c>neurolink bench loop</c> write.</summary>
public sealed record class LoopSummary
{
    /// <summary>Wall time the loop ran, seconds.</summary>
    [JsonPropertyName("duration_s")] public double DurationSeconds { get; init; }

    /// <summary>SPIKE_COUNTS frames run through the mass.</summary>
    [JsonPropertyName("frames")] public long Frames { get; init; }

    /// <summary>Frames lost anywhere: on the link (sequence), on the device (GAP, HEARTBEAT), in the ring.</summary>
    [JsonPropertyName("lost_frames")] public long LostFrames { get; init; }

    /// <summary>CRC failures on the link.</summary>
    [JsonPropertyName("crc_errors")] public long CrcErrors { get; init; }

    /// <summary>Frames not finished before the next arrived.</summary>
    [JsonPropertyName("deadline_misses")] public long DeadlineMisses { get; init; }

    /// <summary>Program triggers handed to the transport.</summary>
    [JsonPropertyName("stim_sent")] public long StimSent { get; init; }

    /// <summary>Triggers refused by the host (link down, program not armed) or the device.</summary>
    [JsonPropertyName("stim_refused")] public long StimRefused { get; init; }

    /// <summary>Triggers the device acknowledged.</summary>
    [JsonPropertyName("stim_acknowledged")] public long StimAcknowledged { get; init; }

    /// <summary>Output spikes that fell in their program's refractory period.</summary>
    [JsonPropertyName("stim_suppressed")] public long StimSuppressed { get; init; }

    /// <summary>Loop latency: last byte of a frame received to its trigger handed to the transport.</summary>
    [JsonPropertyName("loop_latency_us")] public required LatencyJson LoopLatencyUs { get; init; }

    /// <summary>The loop's own part of it: frame taken from the ring to trigger handed over (the rest is waiting).</summary>
    [JsonPropertyName("loop_compute_us")] public LatencyJson? LoopComputeUs { get; init; }

    /// <summary>Which handled frame (0: the first) had the largest loop latency: a start-up cost shows as a frame near 0.</summary>
    [JsonPropertyName("latency_max_frame")] public long? LatencyMaxFrame { get; init; }

    /// <summary>Which handled frame had the largest loop's own part.</summary>
    [JsonPropertyName("compute_max_frame")] public long? ComputeMaxFrame { get; init; }

    /// <summary>The CPU the reader and loop threads ran pinned to (LoopCpu); null when they were not.</summary>
    [JsonPropertyName("loop_cpu")] public int? LoopCpu { get; init; }

    /// <summary>Where the frames ran: "reader" (the thread that read them) or "own" (the loop's thread).</summary>
    [JsonPropertyName("loop_thread")] public string LoopThread { get; init; } = "";

    /// <summary>Time spent before the loop started on paying one-off costs (compiling the frame path ahead, the mass's first steps), ms.</summary>
    [JsonPropertyName("warm_up_ms")] public double WarmUpMs { get; init; }

    /// <summary>The device URI.</summary>
    [JsonPropertyName("device")] public string Device { get; init; } = "";

    /// <summary>The mass's backend.</summary>
    [JsonPropertyName("backend")] public string Backend { get; init; } = "";

    /// <summary>Neurons in the mass.</summary>
    [JsonPropertyName("neurons")] public int Neurons { get; init; }

    /// <summary>Synapses in the mass.</summary>
    [JsonPropertyName("synapses")] public long Synapses { get; init; }

    /// <summary>Headstage channels.</summary>
    [JsonPropertyName("channels")] public long Channels { get; init; }

    /// <summary>Simulated time, seconds.</summary>
    [JsonPropertyName("simulated_s")] public double SimulatedSeconds { get; init; }

    /// <summary>Times the link went down.</summary>
    [JsonPropertyName("link_downs")] public long LinkDowns { get; init; }

    /// <summary>Times acquisition resumed after that.</summary>
    [JsonPropertyName("reconnects")] public long Reconnects { get; init; }

    /// <summary>Mean firing rate of each population over the run, Hz.</summary>
    [JsonPropertyName("rates_hz")] public IReadOnlyDictionary<string, double> RatesHz { get; init; } = new Dictionary<string, double>();

    /// <summary>Garbage collections in the process during the run (each one pauses every managed thread, the loop's included).</summary>
    [JsonPropertyName("gc_collections")] public int GcCollections { get; init; }

    /// <summary>Time the process's managed threads were paused by garbage collection during the run, ms.</summary>
    [JsonPropertyName("gc_pause_ms")] public double GcPauseMs { get; init; }

    /// <summary>The recording's folder (the one holding structure.oebin), or null when not recording.</summary>
    [JsonPropertyName("recording")] public string? Recording { get; init; }

    /// <summary>Sample rows recorded.</summary>
    [JsonPropertyName("recorded_samples")] public long RecordedSamples { get; init; }

    /// <summary>The device's reason for the last trigger it refused, or null.</summary>
    [JsonPropertyName("stim_refusal")] public string? StimRefusal { get; init; }

    /// <summary>Why the loop stopped early, or null.</summary>
    [JsonPropertyName("fault")] public string? Fault { get; init; }

    /// <summary>The summary as indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };
}
