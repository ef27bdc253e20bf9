using System.Globalization;
using System.Text.Json;

namespace Neurolink.Mass;

/// <summary>
/// Reads a network description from JSON. Every problem (a wrong type, an unknown field, a
/// value out of range) is reported with its path, all at once.
/// </summary>
/// <example>
/// <code>
/// {
///   "seed": 1, "dt_ms": 0.1,
///   "populations": [
///     { "name": "exc", "size": 3200, "model": { "type": "lif_cuba", "v_init_mv": { "uniform": [-60, -50] } } },
///     { "name": "inh", "size": 800, "model": { "type": "lif_cuba" } } ],
///   "projections": [
///     { "from": "exc", "to": "inh", "connect": { "fixed_probability": 0.02 }, "receptor": "excitatory", "weight": 1.62, "delay_ms": 0 } ],
///   "inputs": [ { "population": "exc", "first_channel": 0, "channels": 1024, "map": "tile", "weight": 2 } ],
///   "output": "inh"
/// }
/// </code>
/// </example>
public static class NetworkJson
{
    /// <summary>Reads a file.</summary>
    /// <exception cref="NetworkSpecException">The file is unreadable or the description invalid; every problem is listed.</exception>
    public static NetworkSpec Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NetworkSpecException($"{path}: cannot be read ({e.Message})");
        }

        return Parse(text, path);
    }

    /// <summary>Reads JSON text.</summary>
    /// <exception cref="NetworkSpecException">Every problem, with its path.</exception>
    public static NetworkSpec Parse(string json, string source = "network")
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new NetworkSpecException($"{source}: not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message}");
        }

        using (document)
        {
            var r = new Reader();
            NetworkSpec spec = r.Network(document.RootElement);
            if (r.Problems.Count == 0)
            {
                r.Problems.AddRange(NetworkValidation.Problems(spec));
            }

            return r.Problems.Count == 0 ? spec : throw new NetworkSpecException(r.Problems);
        }
    }

    private sealed class Reader
    {
        public List<string> Problems { get; } = [];

        public NetworkSpec Network(JsonElement e)
        {
            if (!Object(e, "(the top level)", ["seed", "dt_ms", "populations", "projections", "inputs", "output", "dopamine_tau_ms", "dopamine_baseline"]))
            {
                return new NetworkSpec();
            }

            return new NetworkSpec
            {
                Seed = (ulong)Number(e, "seed", "seed", 1, 0, ulong.MaxValue, whole: true),
                DtMs = Number(e, "dt_ms", "dt_ms", 0.1),
                Populations = Array(e, "populations", (p, at) => Population(p, at)),
                Projections = Array(e, "projections", (p, at) => Projection(p, at)),
                Inputs = Array(e, "inputs", (p, at) => Input(p, at)),
                Output = String(e, "output", "output", null),
                DopamineTauMs = Number(e, "dopamine_tau_ms", "dopamine_tau_ms", 200),
                DopamineBaseline = Number(e, "dopamine_baseline", "dopamine_baseline", 0, 0),
            };
        }

        private PopulationSpec Population(JsonElement e, string at)
        {
            Object(e, at, ["name", "size", "model"]);
            NeuronModel? model = null;
            if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty("model", out JsonElement m))
            {
                model = Model(m, at + ".model");
            }
            else
            {
                Problems.Add($"{at}.model: missing; give {{\"type\": \"lif_cuba\"}} (or lif_coba, izhikevich) and its parameters");
            }

            return new PopulationSpec(String(e, "name", at + ".name", "") ?? "", (int)Number(e, "size", at + ".size", double.NaN, 1, int.MaxValue, whole: true), model!);
        }

        private NeuronModel? Model(JsonElement e, string at)
        {
            string? type = String(e, "type", at + ".type", null);
            switch (type)
            {
                case "lif_cuba":
                    Object(e, at, ["type", "tau_m_ms", "v_rest_mv", "v_thresh_mv", "v_reset_mv", "refractory_ms", "tau_e_ms", "tau_i_ms", "v_init_mv"]);
                    var d = new LifCuba();
                    return new LifCuba
                    {
                        TauMMs = Number(e, "tau_m_ms", at + ".tau_m_ms", d.TauMMs),
                        VRestMv = Number(e, "v_rest_mv", at + ".v_rest_mv", d.VRestMv),
                        VThreshMv = Number(e, "v_thresh_mv", at + ".v_thresh_mv", d.VThreshMv),
                        VResetMv = Number(e, "v_reset_mv", at + ".v_reset_mv", d.VResetMv),
                        RefractoryMs = Number(e, "refractory_ms", at + ".refractory_ms", d.RefractoryMs),
                        TauEMs = Number(e, "tau_e_ms", at + ".tau_e_ms", d.TauEMs),
                        TauIMs = Number(e, "tau_i_ms", at + ".tau_i_ms", d.TauIMs),
                        VInitMv = e.TryGetProperty("v_init_mv", out JsonElement vi) ? Dist(vi, at + ".v_init_mv") : d.VInitMv,
                    };
                case "lif_coba":
                    Object(e, at, ["type", "capacitance_pf", "leak_ns", "v_rest_mv", "e_exc_mv", "e_inh_mv", "v_thresh_mv", "v_reset_mv", "refractory_ms", "tau_e_ms", "tau_i_ms", "bias_na", "v_init_mv"]);
                    var c = new LifCoba();
                    return new LifCoba
                    {
                        CapacitancePf = Number(e, "capacitance_pf", at + ".capacitance_pf", c.CapacitancePf),
                        LeakNs = Number(e, "leak_ns", at + ".leak_ns", c.LeakNs),
                        VRestMv = Number(e, "v_rest_mv", at + ".v_rest_mv", c.VRestMv),
                        EExcMv = Number(e, "e_exc_mv", at + ".e_exc_mv", c.EExcMv),
                        EInhMv = Number(e, "e_inh_mv", at + ".e_inh_mv", c.EInhMv),
                        VThreshMv = Number(e, "v_thresh_mv", at + ".v_thresh_mv", c.VThreshMv),
                        VResetMv = Number(e, "v_reset_mv", at + ".v_reset_mv", c.VResetMv),
                        RefractoryMs = Number(e, "refractory_ms", at + ".refractory_ms", c.RefractoryMs),
                        TauEMs = Number(e, "tau_e_ms", at + ".tau_e_ms", c.TauEMs),
                        TauIMs = Number(e, "tau_i_ms", at + ".tau_i_ms", c.TauIMs),
                        BiasNa = Number(e, "bias_na", at + ".bias_na", c.BiasNa),
                        VInitMv = e.TryGetProperty("v_init_mv", out JsonElement cv) ? Dist(cv, at + ".v_init_mv") : c.VInitMv,
                    };
                case "izhikevich":
                    Object(e, at, ["type", "a", "b", "c", "d", "v_peak_mv", "tau_e_ms", "tau_i_ms", "bias_current", "v_init_mv"]);
                    var z = new Izhikevich();
                    return new Izhikevich
                    {
                        A = Number(e, "a", at + ".a", z.A),
                        B = Number(e, "b", at + ".b", z.B),
                        C = Number(e, "c", at + ".c", z.C),
                        D = Number(e, "d", at + ".d", z.D),
                        VPeakMv = Number(e, "v_peak_mv", at + ".v_peak_mv", z.VPeakMv),
                        TauEMs = Number(e, "tau_e_ms", at + ".tau_e_ms", z.TauEMs),
                        TauIMs = Number(e, "tau_i_ms", at + ".tau_i_ms", z.TauIMs),
                        BiasCurrent = Number(e, "bias_current", at + ".bias_current", z.BiasCurrent),
                        VInitMv = e.TryGetProperty("v_init_mv", out JsonElement zv) ? Dist(zv, at + ".v_init_mv") : z.VInitMv,
                    };
                case null:
                    Problems.Add($"{at}.type: missing; the models are lif_cuba, lif_coba and izhikevich");
                    return null;
                default:
                    Problems.Add($"{at}.type: '{type}' is not a model; the models are lif_cuba, lif_coba and izhikevich");
                    return null;
            }
        }

        private ProjectionSpec Projection(JsonElement e, string at)
        {
            Object(e, at, ["from", "to", "connect", "receptor", "weight", "delay_ms", "plasticity"]);
            Connector connect = Connector.FixedProbability(0);
            if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty("connect", out JsonElement c))
            {
                connect = Connect(c, at + ".connect");
            }
            else
            {
                Problems.Add($"{at}.connect: missing; give {{\"fixed_probability\": p}}, {{\"fixed_indegree\": k}}, {{\"one_to_one\": true}} or {{\"list\": [[pre, post], ...]}}");
            }

            string receptor = String(e, "receptor", at + ".receptor", "excitatory") ?? "excitatory";
            if (receptor is not ("excitatory" or "inhibitory"))
            {
                Problems.Add($"{at}.receptor: '{receptor}' is not a receptor; use excitatory or inhibitory");
            }

            PlasticityRule? rule = e.ValueKind == JsonValueKind.Object && e.TryGetProperty("plasticity", out JsonElement pl) ? Plasticity(pl, at + ".plasticity") : null;
            return new ProjectionSpec(
                String(e, "from", at + ".from", "") ?? "",
                String(e, "to", at + ".to", "") ?? "",
                connect,
                receptor == "inhibitory" ? Receptor.Inhibitory : Receptor.Excitatory,
                Dist(e, "weight", at + ".weight", double.NaN),
                Dist(e, "delay_ms", at + ".delay_ms", 0)) { Plasticity = rule };
        }

        private PlasticityRule? Plasticity(JsonElement e, string at)
        {
            string? type = String(e, "type", at + ".type", null);
            switch (type)
            {
                case "stdp_pair":
                    Object(e, at, ["type", "tau_plus_ms", "tau_minus_ms", "a_plus", "a_minus", "w_min", "w_max", "bounds"]);
                    var p = new PairStdp();
                    string bounds = String(e, "bounds", at + ".bounds", "additive") ?? "additive";
                    if (bounds is not ("additive" or "multiplicative"))
                    {
                        Problems.Add($"{at}.bounds: '{bounds}' is not additive or multiplicative");
                    }

                    return new PairStdp
                    {
                        TauPlusMs = Number(e, "tau_plus_ms", at + ".tau_plus_ms", p.TauPlusMs),
                        TauMinusMs = Number(e, "tau_minus_ms", at + ".tau_minus_ms", p.TauMinusMs),
                        APlus = Number(e, "a_plus", at + ".a_plus", p.APlus),
                        AMinus = Number(e, "a_minus", at + ".a_minus", p.AMinus),
                        WMin = Number(e, "w_min", at + ".w_min", p.WMin),
                        WMax = Number(e, "w_max", at + ".w_max", p.WMax),
                        Multiplicative = bounds == "multiplicative",
                    };
                case "stdp_triplet":
                    Object(e, at, ["type", "tau_plus_ms", "tau_minus_ms", "tau_x_ms", "tau_y_ms", "a2_plus", "a3_plus", "a2_minus", "a3_minus", "w_min", "w_max"]);
                    var t = new TripletStdp();
                    return new TripletStdp
                    {
                        TauPlusMs = Number(e, "tau_plus_ms", at + ".tau_plus_ms", t.TauPlusMs),
                        TauMinusMs = Number(e, "tau_minus_ms", at + ".tau_minus_ms", t.TauMinusMs),
                        TauXMs = Number(e, "tau_x_ms", at + ".tau_x_ms", t.TauXMs),
                        TauYMs = Number(e, "tau_y_ms", at + ".tau_y_ms", t.TauYMs),
                        A2Plus = Number(e, "a2_plus", at + ".a2_plus", t.A2Plus),
                        A3Plus = Number(e, "a3_plus", at + ".a3_plus", t.A3Plus),
                        A2Minus = Number(e, "a2_minus", at + ".a2_minus", t.A2Minus),
                        A3Minus = Number(e, "a3_minus", at + ".a3_minus", t.A3Minus),
                        WMin = Number(e, "w_min", at + ".w_min", t.WMin),
                        WMax = Number(e, "w_max", at + ".w_max", t.WMax),
                    };
                case "stdp_reward":
                    Object(e, at, ["type", "tau_plus_ms", "tau_minus_ms", "a_plus", "a_minus", "tau_eligibility_ms", "w_min", "w_max"]);
                    var r = new RewardStdp();
                    return new RewardStdp
                    {
                        TauPlusMs = Number(e, "tau_plus_ms", at + ".tau_plus_ms", r.TauPlusMs),
                        TauMinusMs = Number(e, "tau_minus_ms", at + ".tau_minus_ms", r.TauMinusMs),
                        APlus = Number(e, "a_plus", at + ".a_plus", r.APlus),
                        AMinus = Number(e, "a_minus", at + ".a_minus", r.AMinus),
                        TauEligibilityMs = Number(e, "tau_eligibility_ms", at + ".tau_eligibility_ms", r.TauEligibilityMs),
                        WMin = Number(e, "w_min", at + ".w_min", r.WMin),
                        WMax = Number(e, "w_max", at + ".w_max", r.WMax),
                    };
                default:
                    Problems.Add($"{at}.type: '{type}' is not a learning rule; the rules are stdp_pair, stdp_triplet and stdp_reward");
                    return null;
            }
        }

        private Connector Connect(JsonElement e, string at)
        {
            Object(e, at, ["fixed_probability", "fixed_indegree", "one_to_one", "list", "allow_self"]);
            bool allowSelf = !e.TryGetProperty("allow_self", out JsonElement s) || s.ValueKind != JsonValueKind.False;
            if (e.TryGetProperty("fixed_probability", out _))
            {
                return Connector.FixedProbability(Number(e, "fixed_probability", at + ".fixed_probability", 0), allowSelf);
            }

            if (e.TryGetProperty("fixed_indegree", out _))
            {
                return Connector.FixedInDegree((int)Number(e, "fixed_indegree", at + ".fixed_indegree", 0, 0, int.MaxValue, whole: true), allowSelf);
            }

            if (e.TryGetProperty("one_to_one", out _))
            {
                return Connector.OneToOne();
            }

            if (e.TryGetProperty("list", out JsonElement list) && list.ValueKind == JsonValueKind.Array)
            {
                var pairs = new List<(int, int)>();
                int k = 0;
                foreach (JsonElement pair in list.EnumerateArray())
                {
                    if (pair.ValueKind == JsonValueKind.Array && pair.GetArrayLength() == 2 && pair[0].TryGetInt32(out int pre) && pair[1].TryGetInt32(out int post))
                    {
                        pairs.Add((pre, post));
                    }
                    else
                    {
                        Problems.Add($"{at}.list[{k}]: must be [pre, post], two whole numbers");
                    }

                    k++;
                }

                return Connector.List(pairs);
            }

            Problems.Add($"{at}: give one of fixed_probability, fixed_indegree, one_to_one or list");
            return Connector.FixedProbability(0);
        }

        private InputSpec Input(JsonElement e, string at)
        {
            Object(e, at, ["population", "first_channel", "channels", "map", "weight"]);
            return new InputSpec(
                String(e, "population", at + ".population", "") ?? "",
                (int)Number(e, "first_channel", at + ".first_channel", 0, 0, 65535, whole: true),
                (int)Number(e, "channels", at + ".channels", double.NaN, 1, 65536, whole: true),
                String(e, "map", at + ".map", "one_to_one") ?? "one_to_one",
                Number(e, "weight", at + ".weight", double.NaN));
        }

        private bool Object(JsonElement e, string at, string[] fields)
        {
            if (e.ValueKind != JsonValueKind.Object)
            {
                Problems.Add($"{at}: must be an object {{...}}, got {Kind(e)}");
                return false;
            }

            foreach (JsonProperty p in e.EnumerateObject())
            {
                if (!fields.Contains(p.Name))
                {
                    Problems.Add($"{(at.StartsWith('(') ? "" : at + ".")}{p.Name}: unknown field; the fields here are {string.Join(", ", fields)}");
                }
            }

            return true;
        }

        private List<T> Array<T>(JsonElement e, string name, Func<JsonElement, string, T> read)
        {
            var list = new List<T>();
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out JsonElement a))
            {
                return list;
            }

            if (a.ValueKind != JsonValueKind.Array)
            {
                Problems.Add($"{name}: must be an array [...], got {Kind(a)}");
                return list;
            }

            int i = 0;
            foreach (JsonElement item in a.EnumerateArray())
            {
                list.Add(read(item, $"{name}[{i++}]"));
            }

            return list;
        }

        private double Number(JsonElement e, string name, string at, double fallback, double min = double.MinValue, double max = double.MaxValue, bool whole = false)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out JsonElement v))
            {
                if (double.IsNaN(fallback))
                {
                    Problems.Add($"{at}: missing");
                    return 0;
                }

                return fallback;
            }

            if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out double d))
            {
                Problems.Add($"{at}: must be a number, got {Kind(v)}");
                return double.IsNaN(fallback) ? 0 : fallback;
            }

            if ((whole && d != Math.Floor(d)) || d < min || d > max)
            {
                Problems.Add($"{at}: must be {(whole ? "a whole number" : "a number")} from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}, got {v.GetRawText()}");
                return double.IsNaN(fallback) ? Math.Clamp(d, min, max) : fallback;
            }

            return d;
        }

        private string? String(JsonElement e, string name, string at, string? fallback)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out JsonElement v))
            {
                return fallback;
            }

            if (v.ValueKind != JsonValueKind.String)
            {
                Problems.Add($"{at}: must be a string, got {Kind(v)}");
                return fallback;
            }

            return v.GetString();
        }

        private Distribution Dist(JsonElement e, string name, string at, double fallback)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out JsonElement v))
            {
                if (double.IsNaN(fallback))
                {
                    Problems.Add($"{at}: missing");
                }

                return Distribution.Constant(double.IsNaN(fallback) ? 0 : fallback);
            }

            return Dist(v, at);
        }

        private Distribution Dist(JsonElement v, string at)
        {
            if (v.ValueKind == JsonValueKind.Number)
            {
                return Distribution.Constant(v.GetDouble());
            }

            if (v.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty p in v.EnumerateObject())
                {
                    if (p.Name is "uniform" or "normal" && p.Value.ValueKind == JsonValueKind.Array && p.Value.GetArrayLength() == 2
                        && p.Value[0].ValueKind == JsonValueKind.Number && p.Value[1].ValueKind == JsonValueKind.Number)
                    {
                        return new Distribution(p.Name, p.Value[0].GetDouble(), p.Value[1].GetDouble());
                    }
                }
            }

            Problems.Add($"{at}: must be a number, {{\"uniform\": [low, high]}} or {{\"normal\": [mean, sd]}}, got {v.GetRawText()}");
            return Distribution.Constant(0);
        }

        private static string Kind(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.String => $"the string \"{e.GetString()}\"",
            JsonValueKind.Number => $"the number {e.GetRawText()}",
            JsonValueKind.Array => "an array",
            JsonValueKind.Object => "an object",
            JsonValueKind.True or JsonValueKind.False => e.GetRawText(),
            _ => "null",
        };
    }
}
