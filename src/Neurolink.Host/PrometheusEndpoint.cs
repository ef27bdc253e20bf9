using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Neurolink.Host;

/// <summary>
/// Serves the "Neurolink" meter in the Prometheus text format on a loopback URL
/// (<see cref="NeurolinkOptions.Prometheus"/>): counters and gauges are observed at each scrape;
/// the latency histogram is accumulated into fixed buckets without locks on the loop thread.
/// </summary>
internal sealed class PrometheusEndpoint(IOptions<NeurolinkOptions> options, ILogger<PrometheusEndpoint> logger) : BackgroundService
{
    private static readonly double[] s_bounds = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 100000];
    private readonly long[] _buckets = new long[s_bounds.Length + 1];
    private readonly ConcurrentDictionary<string, (string Type, string Help, double Value)> _values = new();
    private readonly object _scrape = new();
    private long _count;
    private double _sum;
    private MeterListener? _listener;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        string prefix = options.Value.Prometheus!;
        using var http = new HttpListener();
        http.Prefixes.Add(prefix);
        http.Start();
        Log.Prometheus(logger, prefix);
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == NeurolinkMetrics.MeterName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Observe(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Observe(i, v, tags));
        _listener.Start();
        using CancellationTokenRegistration stop = stoppingToken.Register(http.Stop);
        while (!stoppingToken.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await http.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                break;
            }

            byte[] body = Encoding.UTF8.GetBytes(Render());
            context.Response.ContentType = "text/plain; version=0.0.4";
            context.Response.ContentLength64 = body.Length;
            await context.Response.OutputStream.WriteAsync(body, stoppingToken).ConfigureAwait(false);
            context.Response.Close();
        }

        _listener.Dispose();
    }

    private static string Name(Instrument i) => i.Name.Replace('.', '_') + (i.Unit is { Length: > 0 } u && !u.StartsWith('{') ? "_" + (u == "By" ? "bytes" : u.ToLowerInvariant()) : "");

    private void Observe(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (instrument is Histogram<double>)
        {
            // On the loop thread: lock-free.
            int b = 0;
            while (b < s_bounds.Length && value > s_bounds[b])
            {
                b++;
            }

            Interlocked.Increment(ref _buckets[b]);
            Interlocked.Increment(ref _count);
            double seen, sum;
            do
            {
                seen = Volatile.Read(ref _sum);
                sum = seen + value;
            }
            while (Interlocked.CompareExchange(ref _sum, sum, seen) != seen);
            return;
        }

        string labels = "";
        foreach (KeyValuePair<string, object?> t in tags)
        {
            labels += (labels.Length == 0 ? "" : ",") + $"{t.Key}=\"{t.Value}\"";
        }

        string name = Name(instrument) + (instrument is ObservableCounter<long> ? "_total" : "");
        string key = labels.Length == 0 ? name : $"{name}{{{labels}}}";
        _values[key] = (instrument is ObservableCounter<long> ? "counter" : "gauge", instrument.Description ?? "", value);
    }

    private string Render()
    {
        lock (_scrape)
        {
            _listener?.RecordObservableInstruments();
            var text = new StringBuilder();
            string? last = null;
            foreach ((string key, (string type, string help, double value)) in _values.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                string name = key.Split('{')[0];
                if (name != last)
                {
                    text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n");
                    last = name;
                }

                text.Append(CultureInfo.InvariantCulture, $"{key} {value}\n");
            }

            text.Append("# HELP neurolink_loop_latency_us Last byte of a SPIKE_COUNTS frame received to its trigger handed to the transport\n# TYPE neurolink_loop_latency_us histogram\n");
            long cumulative = 0;
            for (int b = 0; b <= s_bounds.Length; b++)
            {
                cumulative += Interlocked.Read(ref _buckets[b]);
                string le = b < s_bounds.Length ? s_bounds[b].ToString(CultureInfo.InvariantCulture) : "+Inf";
                text.Append(CultureInfo.InvariantCulture, $"neurolink_loop_latency_us_bucket{{le=\"{le}\"}} {cumulative}\n");
            }

            text.Append(CultureInfo.InvariantCulture, $"neurolink_loop_latency_us_sum {Volatile.Read(ref _sum)}\nneurolink_loop_latency_us_count {Interlocked.Read(ref _count)}\n");
            return text.ToString();
        }
    }
}
