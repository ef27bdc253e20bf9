using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Neurolink.Host.Tests;

/// <summary>The hosted service in process: settings from configuration, metrics, the Prometheus endpoint, the stop order.</summary>
[Collection("closed loop")]
public class ServiceTests
{
    [Fact]
    public async Task The_service_runs_the_loop_serves_its_metrics_on_loopback_and_stops_in_the_safe_order()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Neurolink:Device"] = "emu://?channels=256",
            ["Neurolink:Neurons"] = "2000",
            ["Neurolink:StatusIntervalMs"] = "200",
            ["Neurolink:Prometheus"] = $"http://127.0.0.1:{port}/metrics/",
        });
        builder.AddNeurolink();
        using IHost host = builder.Build();

        // dotnet-counters sees the same instruments through a MeterListener.
        var seen = new HashSet<string>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (i, l) =>
            {
                if (i.Meter.Name == NeurolinkMetrics.MeterName)
                {
                    lock (seen)
                    {
                        seen.Add(i.Name);
                    }
                }
            },
        };
        listener.Start();

        await host.StartAsync();
        ClosedLoopService service = host.Services.GetRequiredService<ClosedLoopService>();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (service.Runner!.Loop!.Counters.Frames < 1500 && waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(50);
        }

        using var http = new HttpClient();
        string metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics/"));
        Assert.Matches(@"neurolink_loop_frames_total [1-9]\d*", metrics);
        Assert.Contains("neurolink_acquisition_frames_lost_total 0", metrics, StringComparison.Ordinal);
        Assert.Contains("neurolink_loop_latency_us_bucket{le=\"+Inf\"}", metrics, StringComparison.Ordinal);
        Assert.Matches(@"neurolink_mass_firing_rate_hz\{population=""out""\} \d", metrics);
        lock (seen)
        {
            Assert.Contains("neurolink.loop.latency", seen);
            Assert.Contains("neurolink.stim.sent", seen);
            Assert.Contains("neurolink.acquisition.crc_errors", seen);
        }

        await host.StopAsync();
        Assert.NotNull(service.Final);
        Assert.True(service.Final!.Frames >= 1500);
        EndToEndTests.AssertDisarmedBeforeStop(service.Runner.Emulator!.Truth);
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics/")));
    }

    [Fact]
    public void Building_the_service_with_bad_settings_fails_with_every_problem()
    {
        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Neurolink:Backend"] = "quantum",
            ["Neurolink:Stimulation:Programs"] = "999",
        });
        var e = Assert.Throws<NeurolinkConfigException>(() => builder.AddNeurolink());
        Assert.Equal(2, e.Problems.Count);
        Assert.Contains("Neurolink:Backend", e.Message, StringComparison.Ordinal);
        Assert.Contains("Neurolink:Stimulation:Programs is 999", e.Message, StringComparison.Ordinal);
    }
}
