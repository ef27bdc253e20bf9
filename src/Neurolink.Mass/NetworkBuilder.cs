namespace Neurolink.Mass;

/// <summary>Builds a <see cref="CompiledNetwork"/> from its description, deterministically from the seed.</summary>
public static class NetworkBuilder
{
    /// <summary>Validates and builds.</summary>
    /// <exception cref="NetworkSpecException">The description is invalid; every problem is listed.</exception>
    public static CompiledNetwork Build(NetworkSpec spec)
    {
        NetworkValidation.Validate(spec);
        var populations = new PopulationRange[spec.Populations.Count];
        var byName = new Dictionary<string, PopulationRange>(StringComparer.Ordinal);
        int start = 0;
        for (int i = 0; i < populations.Length; i++)
        {
            PopulationSpec p = spec.Populations[i];
            populations[i] = new PopulationRange(p.Name, start, p.Size, p.Model);
            byName[p.Name] = populations[i];
            start += p.Size;
        }

        int n = start;
        var vInit = new float[n];
        foreach (PopulationRange p in populations)
        {
            var rng = new Xoshiro(spec.Seed, Stream("v_init", p.Name));
            Distribution d = p.Model switch
            {
                LifCuba m => m.VInitMv,
                LifCoba m => m.VInitMv,
                Izhikevich m => m.VInitMv,
                _ => throw new NetworkSpecException($"population '{p.Name}': model {p.Model.Type} is not supported"),
            };
            for (int k = 0; k < p.Count; k++)
            {
                vInit[p.Start + k] = (float)d.Sample(ref rng);
            }
        }

        var exc = new SynapseList();
        var inh = new SynapseList();
        var rules = new List<PlasticityRule>();
        int maxDelay = 0;
        for (int j = 0; j < spec.Projections.Count; j++)
        {
            ProjectionSpec projection = spec.Projections[j];
            SynapseList into = projection.Receptor == Receptor.Excitatory ? exc : inh;
            byte rule = 0;
            if (projection.Plasticity is { } r)
            {
                if (rules.Count == 255)
                {
                    throw new NetworkSpecException($"projections[{j}].plasticity: at most 255 plastic projections are supported");
                }

                rules.Add(r);
                rule = (byte)rules.Count;
            }

            maxDelay = Math.Max(maxDelay, Connect(projection, byName[projection.From], byName[projection.To], spec, j, into, rule));
        }

        var inputs = new SynapseList();
        foreach (InputSpec input in spec.Inputs)
        {
            PopulationRange p = byName[input.Population];
            for (int c = 0; c < input.Channels; c++)
            {
                if (input.Map == "one_to_one")
                {
                    inputs.Add(input.FirstChannel + c, p.Start + c, (float)input.Weight, 0, 0);
                }
                else
                {
                    for (int k = c; k < p.Count; k += input.Channels)
                    {
                        inputs.Add(input.FirstChannel + c, p.Start + k, (float)input.Weight, 0, 0);
                    }
                }
            }
        }

        int channels = spec.Inputs.Count == 0 ? 0 : spec.Inputs.Max(i => i.FirstChannel + i.Channels);
        return new CompiledNetwork(spec, populations, exc.ToRows(n), inh.ToRows(n), vInit, maxDelay, inputs.ToRows(channels), [.. rules]);
    }

    /// <summary>Adds a projection's synapses; returns its longest delay in steps.</summary>
    private static int Connect(ProjectionSpec projection, PopulationRange from, PopulationRange to, NetworkSpec spec, int index, SynapseList into, byte rule)
    {
        var rng = new Xoshiro(spec.Seed, Stream("projection", index.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Connector c = projection.Connect;
        bool same = from.Name == to.Name;
        int maxDelay = 0;

        void Add(int pre, int post, ref Xoshiro r)
        {
            if (same && !c.AllowSelf && pre == post)
            {
                return;
            }

            double delay = Math.Max(0, projection.DelayMs.Sample(ref r));
            int steps = (int)Math.Min(ushort.MaxValue, Math.Round(delay / spec.DtMs));
            maxDelay = Math.Max(maxDelay, steps);
            into.Add(from.Start + pre, to.Start + post, (float)projection.Weight.Sample(ref r), (ushort)steps, rule);
        }

        switch (c.Kind)
        {
            case "fixed_probability" when c.Probability > 0:
                // Geometric skips: the cost is the synapses made, not the pairs considered.
                double logQ = Math.Log(1 - Math.Min(c.Probability, 1 - 1e-12));
                for (int pre = 0; pre < from.Count; pre++)
                {
                    int post = -1;
                    while (true)
                    {
                        post += c.Probability >= 1 ? 1 : 1 + (int)Math.Min(int.MaxValue / 2, Math.Floor(Math.Log(1 - rng.NextDouble()) / logQ));
                        if (post >= to.Count)
                        {
                            break;
                        }

                        Add(pre, post, ref rng);
                    }
                }

                break;
            case "fixed_indegree":
                for (int post = 0; post < to.Count; post++)
                {
                    for (int k = 0; k < c.InDegree; k++)
                    {
                        int pre = rng.NextInt(from.Count);
                        if (same && !c.AllowSelf && from.Count > 1)
                        {
                            while (pre == post)
                            {
                                pre = rng.NextInt(from.Count);
                            }
                        }

                        Add(pre, post, ref rng);
                    }
                }

                break;
            case "one_to_one":
                for (int i = 0; i < from.Count; i++)
                {
                    Add(i, i, ref rng);
                }

                break;
            case "list":
                foreach ((int pre, int post) in c.Pairs ?? [])
                {
                    Add(pre, post, ref rng);
                }

                break;
        }

        return maxDelay;
    }

    private static ulong Stream(string purpose, string name)
    {
        // FNV-1a: a stable stream id from text (string.GetHashCode is randomised per process).
        ulong h = 14695981039346656037UL;
        foreach (char ch in purpose + "/" + name)
        {
            h = (h ^ ch) * 1099511628211UL;
        }

        return h;
    }

    /// <summary>Synapses as they are made, then sorted into rows.</summary>
    private sealed class SynapseList
    {
        private int[] _pre = new int[1024];
        private int[] _post = new int[1024];
        private float[] _weight = new float[1024];
        private ushort[] _delay = new ushort[1024];
        private byte[] _rule = new byte[1024];
        private int _count;

        public void Add(int pre, int post, float weight, ushort delay, byte rule)
        {
            if (_count == _pre.Length)
            {
                int size = checked(_pre.Length * 2);
                Array.Resize(ref _pre, size);
                Array.Resize(ref _post, size);
                Array.Resize(ref _weight, size);
                Array.Resize(ref _delay, size);
                Array.Resize(ref _rule, size);
            }

            _pre[_count] = pre;
            _post[_count] = post;
            _weight[_count] = weight;
            _delay[_count] = delay;
            _rule[_count] = rule;
            _count++;
        }

        /// <summary>Counting sort by presynaptic neuron, then each row by target.</summary>
        public SynapseRows ToRows(int rows)
        {
            var rowStart = new int[rows + 1];
            for (int i = 0; i < _count; i++)
            {
                rowStart[_pre[i] + 1]++;
            }

            for (int r = 0; r < rows; r++)
            {
                rowStart[r + 1] += rowStart[r];
            }

            var next = (int[])rowStart.Clone();
            var target = new int[_count];
            var weight = new float[_count];
            var delay = new ushort[_count];
            var rule = new byte[_count];
            var order = new int[_count];
            for (int i = 0; i < _count; i++)
            {
                order[next[_pre[i]]++] = i;
            }

            for (int k = 0; k < _count; k++)
            {
                int i = order[k];
                target[k] = _post[i];
                weight[k] = _weight[i];
                delay[k] = _delay[i];
                rule[k] = _rule[i];
            }

            for (int r = 0; r < rows; r++)
            {
                int a = rowStart[r], b = rowStart[r + 1];
                bool sorted = true;
                for (int k = a + 1; k < b && sorted; k++)
                {
                    sorted = target[k - 1] <= target[k];
                }

                if (!sorted)
                {
                    var keys = target.AsSpan(a, b - a);
                    var idx = order.AsSpan(a, b - a);
                    for (int k = 0; k < idx.Length; k++)
                    {
                        idx[k] = a + k;
                    }

                    keys.ToArray().AsSpan().Sort(idx);
                    float[] w = [.. weight.AsSpan(a, b - a)];
                    ushort[] d = [.. delay.AsSpan(a, b - a)];
                    byte[] u = [.. rule.AsSpan(a, b - a)];
                    for (int k = 0; k < idx.Length; k++)
                    {
                        weight[a + k] = w[idx[k] - a];
                        delay[a + k] = d[idx[k] - a];
                        rule[a + k] = u[idx[k] - a];
                    }

                    keys.Sort();
                }
            }

            return new SynapseRows(rowStart, target, weight, delay, rule);
        }
    }
}
