namespace Neurolink.Mass;

/// <summary>
/// A backend that simulates a <see cref="CompiledNetwork"/>: the CPU backend
/// (<see cref="CpuMass"/>) or the GPU backend (Neurolink.Mass.Gpu). Both keep the same step
/// order, so the same network and seed give the same spikes up to floating-point summation
/// order (see the GPU backend's notes for the tolerance).
/// </summary>
public interface ISimulatedMass : IDisposable
{
    /// <summary>What runs it, in words ("cpu, 2 threads", "cuda: NVIDIA H200", ...).</summary>
    string Backend { get; }

    /// <summary>The network.</summary>
    CompiledNetwork Network { get; }

    /// <summary>Steps done (enqueued, on an asynchronous backend).</summary>
    long StepCount { get; }

    /// <summary>Adds counts[c] x weight to the excitatory current of the neurons channel c drives (call between steps).</summary>
    void InjectChannelCounts(ReadOnlySpan<byte> counts);

    /// <summary>Advances the network by one step.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "A simulation step; the name every simulator uses.")]
    void Step();

    /// <summary>Advances the network by <paramref name="steps"/> steps.</summary>
    void Run(long steps);

    /// <summary>
    /// Does ahead the part of the next step that channel input cannot change (the CPU backend on
    /// one thread: the update of every neuron no channel drives), so that the next
    /// <see cref="InjectChannelCounts"/> and <see cref="Step"/> take less time; until that step,
    /// <see cref="CopyV"/> and <see cref="SaveCheckpoint"/> refuse. False, and nothing done,
    /// where a backend cannot; its next step then does all the work.
    /// </summary>
    bool PrepareNextStep() => false;

    /// <summary>Waits until every step asked for is done (on the CPU backend, the other threads' deliveries of the last step).</summary>
    void Synchronize();

    /// <summary>Copies the last step's spiking neurons (ascending) into <paramref name="destination"/>; returns how many.</summary>
    int CopySpikes(Span<int> destination);

    /// <summary>Copies the membrane potentials, mV, into <paramref name="destination"/> (between steps).</summary>
    void CopyV(Span<float> destination);

    /// <summary>The network's dopamine now, tonic and phasic.</summary>
    double Dopamine { get; }

    /// <summary>Adds <paramref name="amount"/> to the dopamine (a reward), between steps: the third factor of reward-modulated STDP.</summary>
    void Reward(double amount);

    /// <summary>The current weights of a receptor's synapses, in the order of the network's rows, every eligibility brought up to date first.</summary>
    float[] CopyWeights(Receptor receptor);

    /// <summary>Writes the whole state between steps, plastic weights included, in the format every backend restores.</summary>
    void SaveCheckpoint(Stream stream);

    /// <summary>Replaces the state with a checkpoint of the same network taken on any backend.</summary>
    /// <exception cref="InvalidDataException">Not a checkpoint, one of another network, or truncated; nothing was changed.</exception>
    void LoadCheckpoint(Stream stream);
}
