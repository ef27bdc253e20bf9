using System.CommandLine;
using System.Globalization;
using System.Security;
using System.Text;
using System.Text.Json;
using Neurolink.Transport;

namespace Neurolink.Cli.Hil;

/// <summary><c>neurolink hil URI</c> (what <c>hil/run</c> calls): the rig checks with their reports.</summary>
public static class HilCommand
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    /// <summary>Builds the verb.</summary>
    public static Command Build()
    {
        var device = new Argument<string>("device") { Description = "The headstage: usb://VID:PID, serial:///dev/ttyACM0, tcp://..., or emu://?channels=1024" };
        var checks = new Option<string?>("--checks") { Description = "Checks to run, comma-separated (default: all): " + string.Join(",", HilSuite.Checks) };
        var report = new Option<DirectoryInfo?>("--report") { Description = "Write report.json, report.xml (JUnit) and latency.svg here" };
        var seconds = new Option<double>("--seconds") { Description = "Acquisition time of the throughput, clock and fault checks", DefaultValueFactory = _ => 5 };
        var pings = new Option<int>("--pings") { Description = "PINGs for the round trip", DefaultValueFactory = _ => 1000 };
        var clockSpec = new Option<double>("--clock-spec-ppm") { Description = "Sample-clock drift the device's specification allows, ppm", DefaultValueFactory = _ => 50 };
        var loopback = new Option<bool>("--loopback") { Description = "A loopback wire is fitted from stimulation channel 0 to recording channel 0" };
        var interactive = new Option<bool>("--interactive") { Description = "An operator is present (the fault check asks to unplug and replug a real headstage)" };
        var command = new Command("hil", "Run the rig checks against a device: one line per check, and reports for CI")
        {
            device, checks, report, seconds, pings, clockSpec, loopback, interactive,
        };
        command.SetAction(result =>
        {
            if (!DeviceUri.TryParse(result.GetValue(device), out DeviceUri? uri, out string? error))
            {
                return Program.Fail(error!);
            }

            string[] chosen = result.GetValue(checks) is { } list ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : HilSuite.Checks;
            string[] unknown = [.. chosen.Where(c => !HilSuite.Checks.Contains(c))];
            if (unknown.Length > 0)
            {
                return Program.Fail($"unknown check(s) {string.Join(", ", unknown)}; the checks are {string.Join(", ", HilSuite.Checks)}");
            }

            if (result.GetValue(seconds) is <= 0 or > 3600 || result.GetValue(pings) is < 10 or > 1_000_000)
            {
                return Program.Fail("--seconds must be more than 0 and at most 3600, --pings 10 to 1000000");
            }

            var suite = new HilSuite(uri!, new HilOptions
            {
                Seconds = result.GetValue(seconds),
                Pings = result.GetValue(pings),
                ClockSpecPpm = result.GetValue(clockSpec),
                Loopback = result.GetValue(loopback),
                Interactive = result.GetValue(interactive),
            });
            RigProbe rig = suite.Probe();
            Console.WriteLine($"rig: device {(rig.Device ? $"{rig.Capabilities!.SerialNumber} ({rig.Capabilities.ChannelCount} channels){(rig.Emulated ? ", emulated" : "")}" : "not answering")}; loopback wire {(rig.Loopback ? "yes" : "no")}; GPU {(rig.Gpu.Count > 0 ? string.Join(", ", rig.Gpu) : "none")}");
            var results = new List<CheckResult>();
            foreach (string name in chosen)
            {
                CheckResult r = suite.Run(name, rig);
                results.Add(r);
                string state = r.Passed switch { true => "pass", false => "FAIL", null => "skip" };
                Console.WriteLine($"{state,-4}  {r.Name,-12} {r.Figure,-40} {r.Detail}");
            }

            if (result.GetValue(report) is { } dir)
            {
                Directory.CreateDirectory(dir.FullName);
                WriteJson(Path.Combine(dir.FullName, "report.json"), uri!, rig, results);
                WriteJUnit(Path.Combine(dir.FullName, "report.xml"), uri!, results);
                File.WriteAllText(Path.Combine(dir.FullName, "latency.svg"), Histogram(suite.RoundTrips));
                Console.WriteLine($"reports: {dir.FullName}/report.json, report.xml, latency.svg");
            }

            int failed = results.Count(r => r.Passed == false);
            Console.WriteLine($"{results.Count(r => r.Passed == true)} passed, {failed} failed, {results.Count(r => r.Passed is null)} skipped");
            return failed == 0 ? 0 : 1;
        });
        return command;
    }

    private static void WriteJson(string path, DeviceUri uri, RigProbe rig, List<CheckResult> results)
    {
        var doc = new Dictionary<string, object?>
        {
            ["device"] = uri.Text,
            ["rig"] = new Dictionary<string, object?> { ["device"] = rig.Device, ["emulated"] = rig.Emulated, ["loopback"] = rig.Loopback, ["gpu"] = rig.Gpu },
            ["checks"] = results.Select(r => new Dictionary<string, object?>
            {
                ["name"] = r.Name, ["passed"] = r.Passed, ["skipped"] = r.Passed is null, ["figure"] = r.Figure, ["detail"] = r.Detail, ["seconds"] = r.Seconds,
            }).ToList(),
        };
        File.WriteAllText(path, JsonSerializer.Serialize(doc, s_json));
    }

    private static void WriteJUnit(string path, DeviceUri uri, List<CheckResult> results)
    {
        var xml = new StringBuilder();
        xml.Append(CultureInfo.InvariantCulture, $"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"neurolink-hil\" tests=\"{results.Count}\" failures=\"{results.Count(r => r.Passed == false)}\" skipped=\"{results.Count(r => r.Passed is null)}\" time=\"{results.Sum(r => r.Seconds)}\">\n");
        xml.Append(CultureInfo.InvariantCulture, $"    <properties><property name=\"device\" value=\"{SecurityElement.Escape(uri.Text)}\"/></properties>\n");
        foreach (CheckResult r in results)
        {
            xml.Append(CultureInfo.InvariantCulture, $"    <testcase classname=\"hil\" name=\"{r.Name}\" time=\"{r.Seconds}\">");
            string text = SecurityElement.Escape($"{r.Figure}: {r.Detail}");
            xml.Append(r.Passed switch
            {
                false => $"<failure message=\"{SecurityElement.Escape(r.Figure)}\">{text}</failure>",
                null => $"<skipped message=\"{text}\"/>",
                _ => $"<system-out>{text}</system-out>",
            });
            xml.Append("</testcase>\n");
        }

        xml.Append("  </testsuite>\n</testsuites>\n");
        File.WriteAllText(path, xml.ToString());
    }

    /// <summary>The PING round trips as an SVG histogram (log-spaced bins), with the quantiles marked.</summary>
    private static string Histogram(List<double> roundTrips)
    {
        const int W = 640, H = 320, Left = 50, Bottom = 40;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" font-family=\"sans-serif\" font-size=\"11\">\n");
        if (roundTrips.Count == 0)
        {
            svg.Append("<text x=\"20\" y=\"40\">no PINGs: the latency check did not run</text>\n</svg>\n");
            return svg.ToString();
        }

        double lo = Math.Log10(Math.Max(1, roundTrips.Min())), hi = Math.Log10(Math.Max(roundTrips.Max(), Math.Pow(10, lo + 0.1)));
        const int Bins = 40;
        var counts = new int[Bins];
        foreach (double v in roundTrips)
        {
            counts[Math.Clamp((int)((Math.Log10(Math.Max(1, v)) - lo) / (hi - lo) * Bins), 0, Bins - 1)]++;
        }

        double barWidth = (W - Left - 20.0) / Bins;
        int top = counts.Max();
        for (int b = 0; b < Bins; b++)
        {
            double h = (H - Bottom - 30.0) * counts[b] / top;
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left + (b * barWidth):0.#}\" y=\"{H - Bottom - h:0.#}\" width=\"{barWidth - 1:0.#}\" height=\"{h:0.#}\" fill=\"#4a7ab5\"/>\n");
        }

        double[] sorted = [.. roundTrips.Order()];
        foreach ((string label, double q) in (ReadOnlySpan<(string, double)>)[("p50", 0.5), ("p99", 0.99), ("p99.9", 0.999)])
        {
            double v = sorted[(int)Math.Clamp(Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
            double x = Left + ((Math.Log10(Math.Max(1, v)) - lo) / (hi - lo) * (W - Left - 20));
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x:0.#}\" y1=\"20\" x2=\"{x:0.#}\" y2=\"{H - Bottom}\" stroke=\"#c0392b\"/><text x=\"{x + 3:0.#}\" y=\"30\">{label} {v:0} us</text>\n");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"{H - 10}\">PING round trip, us (log scale, {Math.Pow(10, lo):0} to {Math.Pow(10, hi):0}); {roundTrips.Count} PINGs</text>\n</svg>\n");
        return svg.ToString();
    }
}
