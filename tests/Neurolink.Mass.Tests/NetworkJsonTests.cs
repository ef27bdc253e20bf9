namespace Neurolink.Mass.Tests;

/// <summary>Networks described in JSON, and the errors a bad file gets.</summary>
public class NetworkJsonTests
{
    private const string Cuba = """
        {
          "seed": 4, "dt_ms": 0.1,
          "populations": [
            { "name": "exc", "size": 3200, "model": { "type": "lif_cuba", "v_init_mv": { "uniform": [-60, -50] } } },
            { "name": "inh", "size": 800, "model": { "type": "lif_cuba" } }
          ],
          "projections": [
            { "from": "exc", "to": "exc", "connect": { "fixed_probability": 0.02 }, "receptor": "excitatory", "weight": 1.62 },
            { "from": "exc", "to": "inh", "connect": { "fixed_probability": 0.02 }, "receptor": "excitatory", "weight": 1.62 },
            { "from": "inh", "to": "exc", "connect": { "fixed_probability": 0.02 }, "receptor": "inhibitory", "weight": -9 },
            { "from": "inh", "to": "inh", "connect": { "fixed_probability": 0.02 }, "receptor": "inhibitory", "weight": -9 }
          ],
          "output": "inh"
        }
        """;

    [Fact]
    public void The_cuba_network_in_json_is_the_built_in_one()
    {
        NetworkSpec fromJson = NetworkJson.Parse(Cuba);
        CompiledNetwork a = NetworkBuilder.Build(fromJson);
        CompiledNetwork b = NetworkBuilder.Build(Models.Cuba(4000, 4));
        Assert.Equal(b.SynapseCount, a.SynapseCount);
        Assert.Equal(b.Excitatory.Target, a.Excitatory.Target);
        Assert.Equal(b.VInit, a.VInit);
        Assert.Equal("inh", fromJson.Output);
    }

    [Fact]
    public void Every_problem_is_listed_with_its_path()
    {
        const string bad = """
            {
              "populations": [
                { "name": "exc", "size": "ten", "model": { "type": "lif_cuba", "tau_m_ms": -1 } },
                { "name": "inh", "sise": 5, "size": 5, "model": { "type": "adex" } }
              ],
              "projections": [ { "from": "exc", "to": "nowhere", "connect": { "fixed_probability": 1.5 }, "weight": 1 } ]
            }
            """;
        var e = Assert.Throws<NetworkSpecException>(() => NetworkJson.Parse(bad));
        Assert.Contains(e.Problems, p => p.StartsWith("populations[0].size: must be a number, got the string \"ten\"", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("populations[1].sise: unknown field", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("populations[1].model.type: 'adex' is not a model", StringComparison.Ordinal));
        Assert.True(e.Problems.Count >= 3);
    }

    [Fact]
    public void Values_out_of_range_and_unknown_populations_are_named()
    {
        const string bad = """
            {
              "populations": [ { "name": "exc", "size": 10, "model": { "type": "lif_cuba", "tau_m_ms": -1, "v_reset_mv": -40 } } ],
              "projections": [ { "from": "exc", "to": "nowhere", "connect": { "fixed_probability": 1.5 }, "weight": 1 } ],
              "output": "out"
            }
            """;
        var e = Assert.Throws<NetworkSpecException>(() => NetworkJson.Parse(bad));
        Assert.Contains("populations[0].model.tau_m_ms: must be above 0, got -1", e.Problems);
        Assert.Contains(e.Problems, p => p.StartsWith("populations[0].model.v_reset_mv: the reset (-40 mV) must be below the threshold", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("projections[0].to: there is no population 'nowhere'; the populations are exc", StringComparison.Ordinal));
        Assert.Contains("projections[0].connect.fixed_probability: must be between 0 and 1, got 1.5", e.Problems);
        Assert.Contains(e.Problems, p => p.StartsWith("output: there is no population 'out'", StringComparison.Ordinal));
        Assert.Contains("populations[0].model.tau_m_ms", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Broken_json_says_where()
    {
        var e = Assert.Throws<NetworkSpecException>(() => NetworkJson.Parse("{ \"populations\": [ }", "net.json"));
        Assert.StartsWith("net.json: not valid JSON (line 1", e.Problems[0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_says_so()
    {
        var e = Assert.Throws<NetworkSpecException>(() => NetworkJson.Load("/nonexistent/net.json"));
        Assert.Contains("cannot be read", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Learning_rules_read_from_json_and_unknown_ones_are_named()
    {
        NetworkSpec spec = NetworkJson.Parse("""
            {
              "dopamine_baseline": 0.002,
              "populations": [ { "name": "a", "size": 10, "model": { "type": "izhikevich" } } ],
              "projections": [
                { "from": "a", "to": "a", "connect": { "fixed_indegree": 2 }, "weight": 1,
                  "plasticity": { "type": "stdp_reward", "a_plus": 0.01, "a_minus": 0.015, "w_max": 4 } },
                { "from": "a", "to": "a", "connect": { "one_to_one": true }, "weight": 0.5,
                  "plasticity": { "type": "stdp_pair", "bounds": "multiplicative" } }
              ]
            }
            """);
        Assert.Equal(0.002, spec.DopamineBaseline);
        Assert.Equal(0.015, ((RewardStdp)spec.Projections[0].Plasticity!).AMinus);
        Assert.True(((PairStdp)spec.Projections[1].Plasticity!).Multiplicative);

        var e = Assert.Throws<NetworkSpecException>(() => NetworkJson.Parse("""
            { "populations": [ { "name": "a", "size": 10, "model": { "type": "izhikevich" } } ],
              "projections": [ { "from": "a", "to": "a", "connect": { "one_to_one": true }, "weight": 1,
                                 "plasticity": { "type": "bcm", "w_max": 4 } } ] }
            """));
        Assert.Contains(e.Problems, p => p.StartsWith("projections[0].plasticity.type: 'bcm' is not a learning rule", StringComparison.Ordinal));
    }
}
