namespace Neurolink.Mass;

/// <summary>Checks a network description and names every problem with its field.</summary>
public static class NetworkValidation
{
    /// <summary>Throws when the description has problems, listing all of them.</summary>
    /// <exception cref="NetworkSpecException">The problems, each "field: what is wrong".</exception>
    public static void Validate(NetworkSpec spec)
    {
        List<string> problems = Problems(spec);
        if (problems.Count > 0)
        {
            throw new NetworkSpecException(problems);
        }
    }

    /// <summary>Every problem, each "field: what is wrong"; empty when the description is good.</summary>
    public static List<string> Problems(NetworkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var problems = new List<string>();
        if (spec.Populations.Any(p => p.Model is Izhikevich) && spec.DtMs > 0.5)
        {
            problems.Add($"dt_ms: Izhikevich neurons are integrated by forward Euler and need dt_ms of 0.5 or less, got {spec.DtMs}");
        }

        if (!(spec.DtMs is > 0 and <= 10))
        {
            problems.Add($"dt_ms: must be above 0 and at most 10 ms, got {spec.DtMs}");
        }

        if (!(spec.DopamineTauMs > 0))
        {
            problems.Add($"dopamine_tau_ms: must be above 0, got {spec.DopamineTauMs}");
        }

        if (spec.Populations.Count == 0)
        {
            problems.Add("populations: at least one population is needed");
        }

        var sizes = new Dictionary<string, int>(StringComparer.Ordinal);
        long total = 0;
        for (int i = 0; i < spec.Populations.Count; i++)
        {
            PopulationSpec p = spec.Populations[i];
            string at = $"populations[{i}]";
            if (string.IsNullOrWhiteSpace(p.Name))
            {
                problems.Add($"{at}.name: a population needs a name");
            }
            else if (!sizes.TryAdd(p.Name, p.Size))
            {
                problems.Add($"{at}.name: '{p.Name}' is used by another population; names must be unique");
            }

            if (p.Size < 1)
            {
                problems.Add($"{at}.size: must be at least 1, got {p.Size}");
            }

            total += Math.Max(0, p.Size);
            ModelProblems(p.Model, $"{at}.model", problems);
        }

        if (total > 100_000_000)
        {
            problems.Add($"populations: {total} neurons in all is more than the 100 000 000 supported");
        }

        for (int i = 0; i < spec.Projections.Count; i++)
        {
            ProjectionSpec j = spec.Projections[i];
            string at = $"projections[{i}]";
            bool fromKnown = Known(j.From, $"{at}.from", sizes, problems, out int fromSize);
            bool toKnown = Known(j.To, $"{at}.to", sizes, problems, out int toSize);
            Connector c = j.Connect;
            switch (c.Kind)
            {
                case "fixed_probability" when c.Probability is < 0 or > 1 or double.NaN:
                    problems.Add($"{at}.connect.fixed_probability: must be between 0 and 1, got {c.Probability}");
                    break;
                case "fixed_indegree" when c.InDegree < 0 || (fromKnown && c.InDegree > 0 && fromSize == 1 && !c.AllowSelf && j.From == j.To):
                    problems.Add($"{at}.connect.fixed_indegree: must be a non-negative count of inputs that the source can give, got {c.InDegree}");
                    break;
                case "one_to_one" when fromKnown && toKnown && fromSize != toSize:
                    problems.Add($"{at}.connect.one_to_one: '{j.From}' has {fromSize} neurons and '{j.To}' {toSize}; one_to_one needs the same size");
                    break;
                case "list":
                    for (int k = 0; k < (c.Pairs?.Count ?? 0); k++)
                    {
                        (int pre, int post) = c.Pairs![k];
                        if ((fromKnown && (uint)pre >= (uint)fromSize) || (toKnown && (uint)post >= (uint)toSize))
                        {
                            problems.Add($"{at}.connect.list[{k}]: ({pre}, {post}) is outside the populations ({fromSize} and {toSize} neurons)");
                            break;
                        }
                    }

                    break;
                case "fixed_probability" or "fixed_indegree" or "one_to_one":
                    break;
                default:
                    problems.Add($"{at}.connect: '{c.Kind}' is not a connector; use fixed_probability, fixed_indegree, one_to_one or list");
                    break;
            }

            DistributionProblems(j.Weight, $"{at}.weight", problems);
            switch (j.Plasticity)
            {
                case null:
                    break;
                case PairStdp r:
                    Positive(r.TauPlusMs, $"{at}.plasticity.tau_plus_ms", problems);
                    Positive(r.TauMinusMs, $"{at}.plasticity.tau_minus_ms", problems);
                    break;
                case TripletStdp r:
                    Positive(r.TauPlusMs, $"{at}.plasticity.tau_plus_ms", problems);
                    Positive(r.TauMinusMs, $"{at}.plasticity.tau_minus_ms", problems);
                    Positive(r.TauXMs, $"{at}.plasticity.tau_x_ms", problems);
                    Positive(r.TauYMs, $"{at}.plasticity.tau_y_ms", problems);
                    break;
                case RewardStdp r:
                    Positive(r.TauPlusMs, $"{at}.plasticity.tau_plus_ms", problems);
                    Positive(r.TauMinusMs, $"{at}.plasticity.tau_minus_ms", problems);
                    Positive(r.TauEligibilityMs, $"{at}.plasticity.tau_eligibility_ms", problems);
                    break;
            }

            if (j.Plasticity is { } rule && !(rule.WMax > rule.WMin))
            {
                problems.Add($"{at}.plasticity.w_max: must be above w_min ({rule.WMin}), got {rule.WMax}");
            }
            DistributionProblems(j.DelayMs, $"{at}.delay_ms", problems);
            if (j.DelayMs.Kind == "constant" && j.DelayMs.A is < 0 or > 1000)
            {
                problems.Add($"{at}.delay_ms: must be between 0 and 1000 ms, got {j.DelayMs.A}");
            }
        }

        for (int i = 0; i < spec.Inputs.Count; i++)
        {
            InputSpec input = spec.Inputs[i];
            string at = $"inputs[{i}]";
            bool known = Known(input.Population, $"{at}.population", sizes, problems, out int size);
            if (input.FirstChannel < 0 || input.Channels < 1 || input.FirstChannel + input.Channels > 65536)
            {
                problems.Add($"{at}: channels {input.FirstChannel}..{input.FirstChannel + input.Channels - 1} are not within 0..65535");
            }

            if (input.Map is not ("one_to_one" or "tile"))
            {
                problems.Add($"{at}.map: '{input.Map}' is not a channel map; use one_to_one or tile");
            }
            else if (known && input.Map == "one_to_one" && input.Channels > size)
            {
                problems.Add($"{at}.map: one_to_one maps {input.Channels} channels onto '{input.Population}', which has only {size} neurons; use tile or a larger population");
            }
        }

        if (spec.Output is not null)
        {
            Known(spec.Output, "output", sizes, problems, out _);
        }

        return problems;
    }

    private static bool Known(string name, string at, Dictionary<string, int> sizes, List<string> problems, out int size)
    {
        if (name is not null && sizes.TryGetValue(name, out size))
        {
            return true;
        }

        size = 0;
        problems.Add($"{at}: there is no population '{name}'; the populations are {string.Join(", ", sizes.Keys)}");
        return false;
    }

    private static void ModelProblems(NeuronModel? model, string at, List<string> problems)
    {
        switch (model)
        {
            case LifCuba m:
                Positive(m.TauMMs, $"{at}.tau_m_ms", problems);
                Positive(m.TauEMs, $"{at}.tau_e_ms", problems);
                Positive(m.TauIMs, $"{at}.tau_i_ms", problems);
                ResetProblems(m.RefractoryMs, m.VResetMv, m.VThreshMv, at, problems);

                if (m.TauEMs == m.TauMMs || m.TauIMs == m.TauMMs)
                {
                    problems.Add($"{at}: tau_e_ms and tau_i_ms must differ from tau_m_ms for the exact integration (use 5.001 instead of 5, say)");
                }

                DistributionProblems(m.VInitMv, $"{at}.v_init_mv", problems);
                break;
            case LifCoba m:
                Positive(m.CapacitancePf, $"{at}.capacitance_pf", problems);
                Positive(m.LeakNs, $"{at}.leak_ns", problems);
                Positive(m.TauEMs, $"{at}.tau_e_ms", problems);
                Positive(m.TauIMs, $"{at}.tau_i_ms", problems);
                ResetProblems(m.RefractoryMs, m.VResetMv, m.VThreshMv, at, problems);

                DistributionProblems(m.VInitMv, $"{at}.v_init_mv", problems);
                break;
            case Izhikevich m:
                Positive(m.A, $"{at}.a", problems);
                Positive(m.TauEMs, $"{at}.tau_e_ms", problems);
                Positive(m.TauIMs, $"{at}.tau_i_ms", problems);
                if (m.C >= m.VPeakMv)
                {
                    problems.Add($"{at}.c: the reset ({m.C} mV) must be below the peak ({m.VPeakMv} mV)");
                }

                DistributionProblems(m.VInitMv, $"{at}.v_init_mv", problems);
                break;
            case null:
                problems.Add($"{at}: a population needs a model (type lif_cuba, lif_coba or izhikevich)");
                break;
            default:
                problems.Add($"{at}.type: '{model.Type}' is not a supported model");
                break;
        }
    }

    /// <summary>What both LIF models require of their refractory period, reset and threshold.</summary>
    private static void ResetProblems(double refractoryMs, double resetMv, double thresholdMv, string at, List<string> problems)
    {
        if (refractoryMs < 0)
        {
            problems.Add($"{at}.refractory_ms: must not be negative, got {refractoryMs}");
        }

        if (resetMv >= thresholdMv)
        {
            problems.Add($"{at}.v_reset_mv: the reset ({resetMv} mV) must be below the threshold ({thresholdMv} mV)");
        }
    }

    private static void Positive(double value, string at, List<string> problems)
    {
        if (!(value > 0))
        {
            problems.Add($"{at}: must be above 0, got {value}");
        }
    }

    private static void DistributionProblems(Distribution d, string at, List<string> problems)
    {
        if (!double.IsFinite(d.A) || !double.IsFinite(d.B))
        {
            problems.Add($"{at}: must be finite");
        }
        else if (d.Kind == "uniform" && d.B < d.A)
        {
            problems.Add($"{at}.uniform: the high end ({d.B}) is below the low end ({d.A})");
        }
        else if (d.Kind == "normal" && d.B < 0)
        {
            problems.Add($"{at}.normal: the standard deviation must not be negative, got {d.B}");
        }
        else if (d.Kind is not ("constant" or "uniform" or "normal"))
        {
            problems.Add($"{at}: '{d.Kind}' is not a distribution; give a number, {{\"uniform\": [low, high]}} or {{\"normal\": [mean, sd]}}");
        }
    }
}
