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

    [Theory]
    [InlineData("--model", "hh")]
    [InlineData("--backend", "tpu")]
    [InlineData("--seconds", "-1")]
    [InlineData("--network", "/nonexistent/net.json")]
    public async Task Bad_input_is_refused_with_exit_code_2(string option, string value)
    {
        Assert.Equal(2, await Program.Main(["bench", "mass", option, value]));
    }
}
