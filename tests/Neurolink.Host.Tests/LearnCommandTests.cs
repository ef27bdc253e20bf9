using System.Text.Json;

namespace Neurolink.Host.Tests;

/// <summary><c>neurolink learn</c> as users run it: a real process, its JSON and its picture, and its errors.</summary>
[Collection("closed loop")] // one loop at a time: they share two cores with the emulator
public class LearnCommandTests
{
    private static readonly TimeSpan Exit = TimeSpan.FromSeconds(120);

    [Fact]
    public void Learn_decode_writes_the_result_and_the_learning_curve_as_json_and_svg()
    {
        string json = Path.Combine(Path.GetTempPath(), $"neurolink-decode-{Guid.NewGuid():N}.json");
        string svg = Path.ChangeExtension(json, ".svg");
        using var run = new CliProcess("learn", "decode", "--device", "emu://?channels=32&clock=virtual", "--seconds", "10", "--test-seconds", "3", "--json", json, "--svg", svg);
        Assert.Equal(0, run.WaitForExit(Exit));
        Assert.Contains("calibration", run.Output, StringComparison.Ordinal); // progress as it learns
        Assert.Contains("held-out R^2", run.Output, StringComparison.Ordinal);

        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(json));
        JsonElement r = doc.RootElement;
        Assert.Equal("decode", r.GetProperty("task").GetString());
        Assert.Equal(13, r.GetProperty("simulated_s").GetDouble());
        double final = r.GetProperty("final_r2").GetDouble(), lsq = r.GetProperty("lsq_r2").GetDouble();
        Assert.Equal(Math.Round(final / lsq, 4), r.GetProperty("ratio").GetDouble(), 3);
        Assert.Equal(3, r.GetProperty("curve").GetArrayLength()); // 0 s, 5 s, and the final mass at 10 s
        Assert.StartsWith("<svg", File.ReadAllText(svg), StringComparison.Ordinal);
        File.Delete(json);
        File.Delete(svg);
    }

    [Fact]
    public void Learn_drive_writes_the_result_and_the_curves_as_json_and_svg()
    {
        string json = Path.Combine(Path.GetTempPath(), $"neurolink-drive-{Guid.NewGuid():N}.json");
        string svg = Path.ChangeExtension(json, ".svg");
        using var run = new CliProcess("learn", "drive", "--device", "emu://?channels=64&clock=lockstep", "--seconds", "20", "--json", json, "--svg", svg);
        Assert.Equal(0, run.WaitForExit(Exit));
        Assert.Contains("reward/pulse", run.Output, StringComparison.Ordinal); // progress every second
        Assert.Contains("target (channels 16 x1.5 or more, 40 x1.2 or less over 10 s)", run.Output, StringComparison.Ordinal);

        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(json));
        JsonElement r = doc.RootElement;
        Assert.Equal("drive", r.GetProperty("task").GetString());
        Assert.Equal(20, r.GetProperty("simulated_s").GetDouble());
        Assert.True(r.TryGetProperty("reached_target_at_s", out _) && r.TryGetProperty("first_met_s", out _));
        Assert.Equal(0, r.GetProperty("stim_refused").GetInt64());
        Assert.True(r.GetProperty("stim_sent").GetInt64() > 0);
        Assert.Equal(0, r.GetProperty("pace_timeouts").GetInt64());
        Assert.Equal(20, r.GetProperty("raise_curve").GetArrayLength()); // every second
        Assert.StartsWith("<svg", File.ReadAllText(svg), StringComparison.Ordinal);
        File.Delete(json);
        File.Delete(svg);
    }

    [Theory]
    [InlineData("decode", "--device", "tcp://127.0.0.1:7300", "only the built-in emulator (emu://) gives it")]
    [InlineData("decode", "--backend", "tpu", "--backend tpu: write cpu, gpu (CUDA), or ilgpu-cpu")]
    [InlineData("drive", "--device", "emu://?clock=virtual", "the emulator's virtual clock runs seconds ahead of the loop")]
    [InlineData("decode", "--device", "emu://?clock=lockstep", "decoding sends no stimulation; use clock=virtual")]
    [InlineData("drive", "--raise-factor", "0.5", "raise by a factor above 1")]
    [InlineData("drive", "--raise", "3;4", "is not a list of channels")]
    public void Bad_input_gets_a_message_that_says_what_to_do_and_exit_code_2(string task, string option, string value, string expected)
    {
        using var run = new CliProcess("learn", task, option, value);
        Assert.Equal(2, run.WaitForExit(Exit));
        Assert.Contains(expected, run.Errors, StringComparison.Ordinal);
    }
}
