using System.Globalization;
using Neurolink.Emulator.Faults;
using Neurolink.Emulator.Tissue;
using Neurolink.Transport;

namespace Neurolink.Emulator;

/// <summary>Settings of an emulated headstage: the same keys as the <c>emu://</c> URI's query and the CLI options.</summary>
public sealed record class EmulatorOptions
{
    /// <summary>Recording channels, 1..65535 (all can stimulate).</summary>
    public int Channels { get; init; } = 1024;

    /// <summary>Seed: the same seed gives the same tissue and, on the virtual clock, the same bytes.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>"grid" (32 x 32 at 400 um) or "shank" (Neuropixels-like).</summary>
    public string Geometry { get; init; } = "grid";

    /// <summary>The tissue under the electrodes.</summary>
    public TissueOptions Tissue { get; init; } = new();

    /// <summary>Faults to inject on the link.</summary>
    public FaultPlan Faults { get; init; } = FaultPlan.None;

    /// <summary>Virtual (as fast as possible, deterministic) or paced (real time).</summary>
    public EmulatorClock Clock { get; init; } = EmulatorClock.Virtual;

    /// <summary>Device transmit FIFO size, bytes; a paced device drops data frames past it.</summary>
    public int FifoBytes { get; init; } = 8 << 20;

    /// <summary>Serial number reported in CAPABILITIES.</summary>
    public string SerialNumber { get; init; } = "NL-EMU-0001";

    /// <summary>
    /// Where raw samples come from: "tissue" (the model, live) or "replay" (100 ms rendered once
    /// from the model, then replayed in a loop): a source that costs almost nothing, so an
    /// ingest benchmark measures the host stack and not the emulator.
    /// </summary>
    public string Source { get; init; } = "tissue";

    /// <summary>Keep every true spike and the hidden signal in the ground truth (memory grows with time).</summary>
    public bool RecordGroundTruth { get; init; }

    /// <summary>Keep the hidden signal in the ground truth, without the spikes (24 bytes a millisecond): the cue of a calibration (<c>neurolink learn decode</c>).</summary>
    public bool RecordCue { get; init; }

    /// <summary>
    /// A recording to replay (the --out directory of <c>neurolink record</c>): its raw rows are the
    /// device's samples, from its first sample number on, and its spike events and counts are
    /// detected again from them on the device; the device stops at its end.
    /// </summary>
    public RecordedRows? Recording { get; init; }

    /// <summary>Reads settings from an <c>emu://?channels=256&amp;seed=3</c> device URI (paced clock unless it says clock=virtual).</summary>
    /// <exception cref="FormatException">Not an emu:// URI, or a bad setting, named in the message.</exception>
    public static EmulatorOptions FromUri(string uri)
    {
        DeviceUri parsed = DeviceUri.Parse(uri);
        if (parsed.Kind != DeviceKind.Emulator)
        {
            throw new FormatException($"'{uri}' is not an emulator URI; write emu://?channels=1024&seed=1");
        }

        // A device URI names a device that runs in real time, unless it asks for clock=virtual.
        EmulatorOptions options = FromQuery(parsed.Query);
        return parsed.Query.Contains("clock=", StringComparison.Ordinal) ? options : options with { Clock = EmulatorClock.Paced };
    }

    /// <summary>
    /// Reads settings from a URI query such as <c>channels=256&amp;seed=3&amp;faults=bitflip:1e-5</c>.
    /// Keys: channels, seed, geometry, neurons, faults, clock (virtual|paced|lockstep), fifo-bytes, source (tissue|replay), truth (0|1).
    /// </summary>
    /// <exception cref="FormatException">An unknown key or a bad value, named in the message.</exception>
    public static EmulatorOptions FromQuery(string? query)
    {
        var options = new EmulatorOptions();
        if (string.IsNullOrEmpty(query))
        {
            return options;
        }

        foreach (string pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            string key = eq < 0 ? pair : pair[..eq];
            string value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
            options = key switch
            {
                "channels" => options with { Channels = ParseInt(key, value, 1, 65535) },
                "seed" => options with { Seed = ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong s) ? s : throw Bad(key, value, "a whole number") },
                "geometry" => value is "grid" or "shank" ? options with { Geometry = value } : throw Bad(key, value, "'grid' or 'shank'"),
                "neurons" => options with { Tissue = options.Tissue with { Neurons = ParseInt(key, value, 1, 1_000_000) } },
                "faults" => options with { Faults = FaultPlan.Parse(value) },
                "clock" => value switch
                {
                    "virtual" => options with { Clock = EmulatorClock.Virtual },
                    "paced" => options with { Clock = EmulatorClock.Paced },
                    "lockstep" => options with { Clock = EmulatorClock.Lockstep },
                    _ => throw Bad(key, value, "'virtual', 'paced' or 'lockstep'"),
                },
                "fifo-bytes" => options with { FifoBytes = ParseInt(key, value, 65_536, 1 << 30) },
                "source" => value is "tissue" or "replay" ? options with { Source = value } : throw Bad(key, value, "'tissue' or 'replay'"),
                "truth" => options with { RecordGroundTruth = value is "1" or "true" },
                "cue" => options with { RecordCue = value is "1" or "true" },
                "stdp" => options with { Tissue = options.Tissue with { Stdp = value is "1" or "true" } },
                "stdp-rate" => options with { Tissue = options.Tissue.WithStdpRate(ParseDouble(key, value, 0.01, 100)) },
                _ => throw new FormatException($"emulator setting '{key}' is unknown; the settings are channels, seed, geometry, neurons, faults, clock, fifo-bytes, source, truth, cue, stdp and stdp-rate"),
            };
        }

        return options;
    }

    private static double ParseDouble(string key, string value, double min, double max) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d >= min && d <= max
            ? d
            : throw Bad(key, value, $"a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");

    private static int ParseInt(string key, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max
            ? n
            : throw Bad(key, value, $"a whole number from {min} to {max}");

    private static FormatException Bad(string key, string value, string expected) =>
        new($"emulator setting {key}='{value}' is invalid: it must be {expected}");
}
