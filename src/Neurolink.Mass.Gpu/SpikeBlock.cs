namespace Neurolink.Mass.Gpu;

/// <summary>A block of recorded spikes: bit i of word (step x WordsPerStep + i / 32) is neuron i firing at FirstStep + step.</summary>
/// <param name="FirstStep">The step of the block's first row.</param>
/// <param name="Steps">Rows in the block.</param>
/// <param name="WordsPerStep">32-bit words per row.</param>
/// <param name="Bits">The rows (valid only during the call).</param>
public readonly ref struct SpikeBlock(long FirstStep, int Steps, int WordsPerStep, ReadOnlySpan<uint> Bits)
{
    /// <summary>The step of the block's first row.</summary>
    public long FirstStep { get; } = FirstStep;

    /// <summary>Rows in the block.</summary>
    public int Steps { get; } = Steps;

    /// <summary>32-bit words per row.</summary>
    public int WordsPerStep { get; } = WordsPerStep;

    /// <summary>The rows (valid only during the call).</summary>
    public ReadOnlySpan<uint> Bits { get; } = Bits;

    /// <summary>Whether neuron <paramref name="neuron"/> fired in row <paramref name="row"/>.</summary>
    public bool Fired(int row, int neuron) => (Bits[(row * WordsPerStep) + (neuron >> 5)] & (1u << (neuron & 31))) != 0;
}
