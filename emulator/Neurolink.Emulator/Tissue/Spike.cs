namespace Neurolink.Emulator.Tissue;

/// <summary>A spike of one simulated neuron at a device sample clock.</summary>
/// <param name="Neuron">Neuron index.</param>
/// <param name="Sample">Sample clock of the spike's onset.</param>
public readonly record struct Spike(int Neuron, ulong Sample);
