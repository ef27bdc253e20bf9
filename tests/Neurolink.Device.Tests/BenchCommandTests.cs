using System.Text.Json;
using Neurolink.Cli;

namespace Neurolink.Device.Tests;

/// <summary><c>neurolink bench mass</c> end to end: the report, and bad input.</summary>
public class BenchCommandTests
{
    [Fact]
    public async Task A_small_cuba_run_writes_the_report_with_every_key()
    {
        string json = Path.Combine(Path.GetTempPath(), $"neurolink-bench-{Guid.NewGuid():N}.json");
        try
        {
            int rc = await Program.Main(["bench", "mass", "--model", "cuba", "--neurons", "400", "--seconds", "0.3", "--json", json]);
            Assert.Equal(0, rc);
            using JsonDocument report = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            foreach (string key in new[] { "model", "neurons", "synapses", "simulated_s", "wall_s", "rtf", "rate_exc_hz", "rate_inh_hz", "cv_isi" })
            {
                Assert.True(report.RootElement.TryGetProperty(key, out _), $"no {key} in the report");
            }

            Assert.Equal(400, report.RootElement.GetProperty("neurons").GetInt32());
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Fact]
    public async Task The_gpu_kernels_run_the_same_report_on_ilgpu_cpu_accelerator()
    {
        string json = Path.Combine(Path.GetTempPath(), $"neurolink-bench-{Guid.NewGuid():N}.json");
        try
        {
            int rc = await Program.Main(["bench", "mass", "--model", "cuba", "--neurons", "400", "--seconds", "0.05", "--backend", "ilgpu-cpu", "--json", json]);
            Assert.Equal(0, rc);
            using JsonDocument report = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            Assert.StartsWith("ilgpu-cpu", report.RootElement.GetProperty("backend").GetString(), StringComparison.Ordinal);
            Assert.True(report.RootElement.GetProperty("rate_exc_hz").GetDouble() > 0);
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Fact]
    public async Task Without_a_cuda_device_backend_gpu_is_refused_with_exit_code_2()
    {
        if (Neurolink.Mass.Gpu.GpuMass.CudaDevices().Count > 0)
        {
            return; // a GPU is here; bench/gpu.sh runs this verb on it
        }

        Assert.Equal(2, await Program.Main(["bench", "mass", "--model", "cuba", "--neurons", "400", "--seconds", "0.05", "--backend", "gpu"]));
    }

    [Fact]
    public async Task Pd14_scaled_down_runs_and_names_its_eight_populations()
    {
        string json = Path.Combine(Path.GetTempPath(), $"neurolink-bench-{Guid.NewGuid():N}.json");
        try
        {
            Assert.Equal(0, await Program.Main(["bench", "mass", "--model", "pd14", "--neurons", "2000", "--seconds", "0.05", "--json", json]));
            using JsonDocument report = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            Assert.Equal(
                ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"],
                report.RootElement.GetProperty("rates_hz").EnumerateObject().Select(p => p.Name));
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Theory]
    [InlineData("--model", "hh")]
    [InlineData("--backend", "tpu")]
    [InlineData("--neurons", "100000")] // with --model pd14 below: larger than the microcircuit
    [InlineData("--seconds", "-1")]
    [InlineData("--network", "/nonexistent/net.json")]
    public async Task Bad_input_is_refused_with_exit_code_2(string option, string value)
    {
        string[] model = option == "--neurons" ? ["--model", "pd14"] : [];
        Assert.Equal(2, await Program.Main(["bench", "mass", .. model, option, value]));
    }
}
