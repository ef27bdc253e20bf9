namespace Neurolink.Mass.Gpu;

/// <summary>Receives recorded spike blocks in step order.</summary>
public delegate void SpikeBlockHandler(in SpikeBlock block);
