using System.Text.Json;
using Neurolink.Mass;
using Neurolink.Mass.Experiments;

namespace Neurolink.Host.Tests;

/// <summary>
/// The network files shipped in <c>examples/networks/</c>: each one loads and builds, and each
/// one that says it is a built-in network builds exactly that network, so a user who starts
/// from a file starts from what the README and the benchmarks describe.
/// </summary>
public class ExampleNetworkTests
{
    private static readonly string Folder = Locate();

    public static TheoryData<string> Files() => [.. Names()];

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_shipped_network_loads_and_builds(string file)
    {
        CompiledNetwork net = NetworkBuilder.Build(NetworkJson.Load(Path.Combine(Folder, file)));
        Assert.True(net.NeuronCount > 0);
        Assert.True(net.SynapseCount > 0);
    }

    [Fact]
    public void Three_networks_are_shipped()
    {
        // The three the README names; a file added or renamed is named there too.
        Assert.Equal(["closed-loop-1024.json", "cuba.json", "distal-reward.json"], Names());
    }

    [Fact]
    public void The_cuba_file_is_brian2s_cuba_network_of_bench_mass()
    {
        AssertSame(Models.Cuba(4000, 1), Load("cuba.json"));
    }

    [Fact]
    public void The_closed_loop_file_is_the_network_neurolink_run_builds_for_1024_channels()
    {
        var defaults = new NeurolinkOptions();
        AssertSame(LoopNetwork.Default(1024, defaults.Neurons, defaults.Seed, defaults.DtMs), Load("closed-loop-1024.json"));
    }

    [Fact]
    public void The_distal_reward_file_is_the_network_of_the_distal_reward_experiment()
    {
        AssertSame(DistalReward.Network(1), Load("distal-reward.json"));
    }

    [Fact]
    public void The_mass_benchmark_runs_a_shipped_file()
    {
        string json = Path.Combine(Path.GetTempPath(), $"neurolink-example-{Environment.ProcessId}.json");
        try
        {
            using var cli = new CliProcess("bench", "mass", "--network", Path.Combine(Folder, "cuba.json"), "--seconds", "0.2", "--json", json);
            Assert.Equal(0, cli.WaitForExit(TimeSpan.FromMinutes(2)));
            using JsonDocument report = JsonDocument.Parse(File.ReadAllText(json));
            Assert.Equal(4000, report.RootElement.GetProperty("neurons").GetInt32());
            Assert.Equal(NetworkBuilder.Build(Models.Cuba(4000, 1)).SynapseCount, report.RootElement.GetProperty("synapses").GetInt64());
        }
        finally
        {
            File.Delete(json);
        }
    }

    private static string[] Names() => [.. Directory.EnumerateFiles(Folder, "*.json").Select(f => Path.GetFileName(f)).Order()];

    private static NetworkSpec Load(string file) => NetworkJson.Load(Path.Combine(Folder, file));

    /// <summary>Every part of the two networks as built: populations and models, synapses (targets, weights, delays, rules), channel inputs, initial state, rules and settings.</summary>
    private static void AssertSame(NetworkSpec expected, NetworkSpec actual)
    {
        CompiledNetwork a = NetworkBuilder.Build(expected), b = NetworkBuilder.Build(actual);
        Assert.Equal(a.Populations, b.Populations);
        Assert.Equal(a.Spec.DtMs, b.Spec.DtMs);
        Assert.Equal(a.Spec.Output, b.Spec.Output);
        Assert.Equal(a.Spec.DopamineTauMs, b.Spec.DopamineTauMs);
        Assert.Equal(a.Spec.DopamineBaseline, b.Spec.DopamineBaseline);
        Assert.Equal(a.Rules, b.Rules);
        Assert.Equal(a.VInit, b.VInit);
        Assert.Equal(a.MaxDelaySteps, b.MaxDelaySteps);
        foreach ((SynapseRows x, SynapseRows y) in new[] { (a.Excitatory, b.Excitatory), (a.Inhibitory, b.Inhibitory), (a.Inputs, b.Inputs) })
        {
            Assert.Equal(x.RowStart, y.RowStart);
            Assert.Equal(x.Target, y.Target);
            Assert.Equal(x.Weight, y.Weight);
            Assert.Equal(x.Delay, y.Delay);
            Assert.Equal(x.Rule, y.Rule);
        }
    }

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "examples", "networks");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"examples/networks not found above {AppContext.BaseDirectory}; run the tests from a Neurolink checkout");
    }
}
