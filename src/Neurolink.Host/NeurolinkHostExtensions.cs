using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Neurolink.Host;

/// <summary>Registers the closed-loop service on a host.</summary>
public static class NeurolinkHostExtensions
{
    /// <summary>
    /// Reads and checks the "Neurolink" settings (every problem at once), and adds the closed
    /// loop, its metrics, the Prometheus endpoint when configured, and systemd (Type=notify,
    /// journal logging) and Windows service integration (each a no-op elsewhere).
    /// </summary>
    /// <exception cref="NeurolinkConfigException">The settings have problems; the message lists them.</exception>
    public static IHostApplicationBuilder AddNeurolink(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        (NeurolinkOptions options, IReadOnlyList<string> problems) = NeurolinkConfig.Read(builder.Configuration);
        if (problems.Count > 0)
        {
            throw new NeurolinkConfigException(problems);
        }

        builder.Services.AddSingleton(Options.Create(options));
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<NeurolinkMetrics>();
        builder.Services.AddSingleton<ClosedLoopService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ClosedLoopService>());
        if (!string.IsNullOrWhiteSpace(options.Prometheus))
        {
            builder.Services.AddHostedService<PrometheusEndpoint>();
        }

        builder.Services.AddSystemd();
        builder.Services.AddWindowsService(o => o.ServiceName = "Neurolink");
        return builder;
    }
}
