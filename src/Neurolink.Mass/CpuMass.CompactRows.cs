using System.Runtime.CompilerServices;

namespace Neurolink.Mass;

/// <summary>How the CPU backend stores the rows of a receptor whose weights are fixed and few (tests compare the forms).</summary>
internal enum RowForm
{
    /// <summary>A target and a weight a synapse, eight bytes: every receptor.</summary>
    Full,

    /// <summary>The target in 24 bits and the weight's index in 8: four bytes a synapse.</summary>
    Packed,

    /// <summary>The target in 16 bits, and the weight's index in a byte of its own where there are two weights or more: two or three bytes a synapse, for networks of at most 65 536 neurons (packed above).</summary>
    Narrow,
}

public sealed partial class CpuMass
{
    /// <summary>
    /// One receptor's synapses in fewer bytes, when its weights never change (no plastic synapse)
    /// and take at most 256 values (a projection's constant weight, as in CUBA and the loop's
    /// network): a table of the weights and, a synapse, the target and the weight's index, in
    /// the <see cref="RowForm"/> given. Delivery, which finds most rows out of cache (between a
    /// closed loop's frames, or because the rows outgrow the core's cache: 1.3 MB packed for
    /// CUBA at 4000 neurons, 0.6 MB narrow), reads a half or a quarter of the memory of the full
    /// rows, and adds the same floats. Same indices as the full rows.
    /// </summary>
    private sealed class CompactRows
    {
        public const int TargetBits = 24;
        public const int TargetMask = (1 << TargetBits) - 1;

        private CompactRows(float[] weights) => Weights = weights;

        /// <summary>The distinct weights.</summary>
        public float[] Weights { get; }

        /// <summary>Narrow: each synapse's target (null in the packed form).</summary>
        public ushort[]? Target { get; private init; }

        /// <summary>Narrow: each synapse's index into <see cref="Weights"/> (empty with one weight: every index is 0).</summary>
        public byte[] Index { get; private init; } = [];

        /// <summary>Packed: each synapse's target | index &lt;&lt; 24 (empty in the narrow form).</summary>
        public int[] Packed { get; private init; } = [];

        /// <summary>The compact rows of <paramref name="rows"/> in <paramref name="form"/> (narrow only where the targets fit 16 bits), or null where they do not fit.</summary>
        public static CompactRows? Of(SynapseRows rows, int neurons, RowForm form)
        {
            if (form == RowForm.Full || neurons > TargetMask + 1 || rows.Count == 0 || Array.Exists(rows.Rule, r => r != 0))
            {
                return null;
            }

            var table = new Dictionary<float, int>();
            var index = new byte[rows.Count];
            for (int s = 0; s < rows.Count; s++)
            {
                float w = rows.Weight[s];
                if (!table.TryGetValue(w, out int at))
                {
                    if (table.Count == 256)
                    {
                        return null;
                    }

                    at = table.Count;
                    table.Add(w, at);
                }

                index[s] = (byte)at;
            }

            var weights = new float[table.Count];
            foreach ((float w, int at) in table)
            {
                weights[at] = w;
            }

            if (form == RowForm.Narrow && neurons <= ushort.MaxValue + 1)
            {
                return new CompactRows(weights) { Target = [.. rows.Target.Select(t => (ushort)t)], Index = weights.Length > 1 ? index : [] };
            }

            var packed = new int[rows.Count];
            for (int s = 0; s < rows.Count; s++)
            {
                packed[s] = rows.Target[s] | (index[s] << TargetBits);
            }

            return new CompactRows(weights) { Packed = packed };
        }

        /// <summary>The form the rows are in.</summary>
        public RowForm Form => Target is null ? RowForm.Packed : RowForm.Narrow;

        /// <summary>Synapse <paramref name="s"/>'s target.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int TargetOf(int s) => Target is { } target ? target[s] : Packed[s] & TargetMask;

        /// <summary>Synapse <paramref name="s"/>'s index into <see cref="Weights"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int IndexOf(int s) => Target is null ? Packed[s] >>> TargetBits : Index.Length > 0 ? Index[s] : 0;

        /// <summary>Adds synapses <paramref name="a"/> to <paramref name="b"/> (exclusive) to <paramref name="current"/>, each its weight in <paramref name="scaled"/> (the table times the frame's factor).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Deliver(int a, int b, Span<float> current, float[] scaled)
        {
            if (Target is not { } target)
            {
                int[] packed = Packed;
                for (int s = a; s < b; s++)
                {
                    int p = packed[s];
                    current[p & TargetMask] += scaled[p >>> TargetBits];
                }
            }
            else if (Index.Length > 0)
            {
                byte[] index = Index;
                for (int s = a; s < b; s++)
                {
                    current[target[s]] += scaled[index[s]];
                }
            }
            else
            {
                float w = scaled[0]; // one weight (a projection's constant, as in CUBA)
                for (int s = a; s < b; s++)
                {
                    current[target[s]] += w;
                }
            }
        }
    }
}
