namespace Neurolink.Emulator.Tissue;

/// <summary>Where each recording channel's electrode tip sits, in micrometres.</summary>
public sealed class ElectrodeGeometry
{
    private ElectrodeGeometry(string name, float[] x, float[] y, float[] z, float neuronReachUm)
    {
        Name = name;
        _x = x;
        _y = y;
        _z = z;
        NeuronReachUm = neuronReachUm;
    }

    private readonly float[] _x;
    private readonly float[] _y;
    private readonly float[] _z;

    /// <summary>"grid" or "shank".</summary>
    public string Name { get; }

    /// <summary>Number of channels.</summary>
    public int ChannelCount => _x.Length;

    /// <summary>Tip x positions, um.</summary>
    public ReadOnlySpan<float> X => _x;

    /// <summary>Tip y positions, um.</summary>
    public ReadOnlySpan<float> Y => _y;

    /// <summary>Tip z positions (depth), um.</summary>
    public ReadOnlySpan<float> Z => _z;

    /// <summary>How far from the tips the simulated neurons are placed, um.</summary>
    public float NeuronReachUm { get; }

    /// <summary>
    /// A planar array of shanks (Utah-like): 32 x 32 at 400 um pitch for 1024 channels, or the
    /// nearest square-ish grid for other counts.
    /// </summary>
    public static ElectrodeGeometry Grid(int channels, float pitchUm = 400)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        int columns = (int)Math.Ceiling(Math.Sqrt(channels));
        var x = new float[channels];
        var y = new float[channels];
        var z = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            x[c] = (c % columns) * pitchUm;
            y[c] = (c / columns) * pitchUm;
            z[c] = 1500;
        }

        return new ElectrodeGeometry("grid", x, y, z, 150);
    }

    /// <summary>
    /// A linear shank (Neuropixels-like): two columns 32 um apart, sites every 20 um in depth.
    /// </summary>
    public static ElectrodeGeometry Shank(int channels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        var x = new float[channels];
        var y = new float[channels];
        var z = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            x[c] = (c % 2) * 32;
            y[c] = 0;
            z[c] = 200 + ((c / 2) * 20);
        }

        return new ElectrodeGeometry("shank", x, y, z, 100);
    }

    /// <summary>The geometry named <paramref name="name"/> ("grid" or "shank") for <paramref name="channels"/> channels.</summary>
    /// <exception cref="ArgumentException">The name is neither.</exception>
    public static ElectrodeGeometry Create(string name, int channels) => name switch
    {
        "grid" => Grid(channels),
        "shank" => Shank(channels),
        _ => throw new ArgumentException($"geometry '{name}' is unknown; use 'grid' (a 32 x 32 Utah-like array at 400 um) or 'shank' (a Neuropixels-like linear shank)", nameof(name)),
    };

    /// <summary>Distance from channel <paramref name="channel"/>'s tip to a point, um.</summary>
    public float Distance(int channel, float x, float y, float z)
    {
        float dx = _x[channel] - x, dy = _y[channel] - y, dz = _z[channel] - z;
        return MathF.Sqrt((dx * dx) + (dy * dy) + (dz * dz));
    }
}
