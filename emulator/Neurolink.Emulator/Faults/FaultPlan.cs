using System.Globalization;

namespace Neurolink.Emulator.Faults;

/// <summary>
/// Which faults to inject, and how often, parsed from a list such as
/// <c>bitflip:1e-5,drop:1e-4,disconnect-after:50000</c>. Rates are probabilities per bit
/// (bitflip), per byte (dropbyte) or per frame (the others).
/// </summary>
public sealed record class FaultPlan
{
    /// <summary>No faults.</summary>
    public static FaultPlan None { get; } = new();

    /// <summary>Probability that each bit on the link is flipped.</summary>
    public double BitFlipRate { get; init; }

    /// <summary>Probability that each byte is dropped from the link.</summary>
    public double DropByteRate { get; init; }

    /// <summary>Probability that each frame is dropped whole (after it took a sequence number).</summary>
    public double DropFrameRate { get; init; }

    /// <summary>Probability that each frame is sent twice.</summary>
    public double DuplicateRate { get; init; }

    /// <summary>Probability that each frame is cut short at a random length.</summary>
    public double TruncateRate { get; init; }

    /// <summary>Probability that each frame swaps places with the next one.</summary>
    public double ReorderRate { get; init; }

    /// <summary>Probability per frame of a stall of <see cref="StallMs"/> before it.</summary>
    public double StallRate { get; init; }

    /// <summary>Stall length, ms.</summary>
    public double StallMs { get; init; } = 50;

    /// <summary>Close the link after this many frames (0: never); the device then waits for a new connection.</summary>
    public long DisconnectAfterFrames { get; init; }

    /// <summary>Device clock error in parts per million (paced clock only): positive runs fast.</summary>
    public double DriftPpm { get; init; }

    /// <summary>Delay of every ACK, NACK, STIM_ACK and STIM_NACK, ms.</summary>
    public double AckDelayMs { get; init; }

    /// <summary>Probability that an ACK, NACK, STIM_ACK or STIM_NACK is never sent.</summary>
    public double AckDropRate { get; init; }

    /// <summary>True when any fault is planned.</summary>
    public bool Any => this != None;

    /// <summary>The kinds understood by <see cref="Parse"/>, for help text.</summary>
    public const string Syntax =
        "bitflip:RATE, dropbyte:RATE, drop:RATE, dup:RATE, truncate:RATE, reorder:RATE, stall:RATE, stall-ms:MS, " +
        "disconnect-after:FRAMES, drift-ppm:PPM, ack-delay-ms:MS, ack-drop:RATE";

    /// <summary>Parses a comma-separated list of <c>kind:value</c>; empty means none.</summary>
    /// <exception cref="FormatException">An unknown kind or a bad value, named in the message.</exception>
    public static FaultPlan Parse(string? text)
    {
        var plan = new FaultPlan();
        if (string.IsNullOrWhiteSpace(text))
        {
            return None;
        }

        foreach (string item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int colon = item.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                throw new FormatException($"fault '{item}' has no value; write kind:value, for example drop:1e-4. Kinds: {Syntax}");
            }

            string kind = item[..colon];
            string raw = item[(colon + 1)..];
            if (kind == "drift-ppm")
            {
                // A device clock may run slow as well as fast.
                if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out double ppm) || !(Math.Abs(ppm) <= 10_000))
                {
                    throw new FormatException($"fault 'drift-ppm' has value '{raw}', which is not a number of ppm from -10000 to 10000");
                }

                plan = plan with { DriftPpm = ppm };
                continue;
            }

            if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || value < 0 || double.IsNaN(value))
            {
                throw new FormatException($"fault '{kind}' has value '{raw}', which is not a non-negative number");
            }

            if (kind is "bitflip" or "dropbyte" or "drop" or "dup" or "truncate" or "reorder" or "stall" or "ack-drop" && value > 1)
            {
                throw new FormatException($"fault '{kind}' is a probability and must be between 0 and 1, not {raw}");
            }

            plan = kind switch
            {
                "bitflip" => plan with { BitFlipRate = value },
                "dropbyte" => plan with { DropByteRate = value },
                "drop" => plan with { DropFrameRate = value },
                "dup" => plan with { DuplicateRate = value },
                "truncate" => plan with { TruncateRate = value },
                "reorder" => plan with { ReorderRate = value },
                "stall" => plan with { StallRate = value },
                "stall-ms" => plan with { StallMs = value },
                "disconnect-after" => plan with { DisconnectAfterFrames = (long)value },
                "ack-delay-ms" => plan with { AckDelayMs = value },
                "ack-drop" => plan with { AckDropRate = value },
                _ => throw new FormatException($"fault kind '{kind}' is unknown. Kinds: {Syntax}"),
            };
        }

        return plan;
    }
}
