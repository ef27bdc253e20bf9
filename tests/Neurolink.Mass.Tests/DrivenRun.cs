namespace Neurolink.Mass.Tests;

/// <summary>A run with random channel input before every step and v read after it: every spike, the sum of v at each step, and the final checkpoint.</summary>
internal sealed record DrivenRun(List<int[]> Spikes, List<float> V, byte[] Checkpoint, int Prepared)
{
    /// <summary>Runs <paramref name="net"/> for <paramref name="steps"/> steps on <paramref name="threads"/> threads; with <paramref name="prepare"/>, each next step is prepared ahead; <paramref name="rows"/> is the form of the fixed rows where they fit.</summary>
    public static DrivenRun Of(CompiledNetwork net, int threads, int steps, bool prepare = false, int seed = 7, RowForm rows = RowForm.Narrow)
    {
        using var mass = new CpuMass(net, threads, rows);
        var spikes = new List<int[]>();
        var v = new List<float>();
        var buffer = new int[net.NeuronCount];
        var state = new float[net.NeuronCount];
        var counts = new byte[net.Inputs.RowStart.Length - 1];
        var rng = new Random(seed);
        int prepared = 0;
        for (int s = 0; s < steps; s++)
        {
            rng.NextBytes(counts);
            for (int c = 0; c < counts.Length; c++)
            {
                counts[c] = (byte)(counts[c] % 3);
            }

            mass.InjectChannelCounts(counts);
            mass.Step();
            spikes.Add(buffer[..mass.CopySpikes(buffer)]);
            mass.CopyV(state);
            v.Add(state.Sum());
            if (prepare && mass.PrepareNextStep())
            {
                prepared++;
            }
        }

        mass.Step(); // a prepared step is finished before the checkpoint
        using var stream = new MemoryStream();
        mass.SaveCheckpoint(stream);
        return new DrivenRun(spikes, v, stream.ToArray(), prepared);
    }
}
