using System.Net;
using Microsoft.Extensions.Configuration;
using Neurolink.Mass;
using Neurolink.Mass.Gpu;
using Neurolink.Transport;

namespace Neurolink.Host;

/// <summary>
/// The service's settings: the "Neurolink" section of <c>appsettings.json</c>, overridden by
/// environment variables (<c>NEUROLINK__DEVICE</c>, <c>NEUROLINK__STIMULATION__REFRACTORYMS</c>)
/// and by the command line.
/// </summary>
public sealed class NeurolinkOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Neurolink";

    /// <summary>The headstage: emu://?channels=1024 (the built-in emulator), tcp://, serial://, usb://.</summary>
    public string Device { get; set; } = "emu://?channels=1024";

    /// <summary>A network description (JSON) to run; empty: the default loop network (<see cref="LoopNetwork"/>).</summary>
    public string? Network { get; set; }

    /// <summary>Neurons of the default network (ignored with <see cref="Network"/>).</summary>
    public int Neurons { get; set; } = 10_000;

    /// <summary>
    /// Time step of the default network, ms: 1 by default (one step per 1 ms SPIKE_COUNTS frame:
    /// the counts carry no finer timing), or 0.5, 0.25, 0.2, 0.1 (more steps per frame, more cost).
    /// </summary>
    public double DtMs { get; set; } = 1;

    /// <summary>Seed of the default network.</summary>
    public ulong Seed { get; set; } = 1;

    /// <summary>cpu, gpu (CUDA through ILGPU), or ilgpu-cpu (the GPU kernels on ILGPU's CPU accelerator: slow, for checking them).</summary>
    public string Backend { get; set; } = "cpu";

    /// <summary>CPU backend threads (0: chosen by network size).</summary>
    public int Threads { get; set; }

    /// <summary>Stimulation policy and programs.</summary>
    public StimulationOptions Stimulation { get; set; } = new();

    /// <summary>
    /// SCHED_FIFO priority (1 to 99) of the reader and loop threads on Linux, so a frame wakes them
    /// ahead of other threads; 0 (the default): ordinary scheduling. Needs root or CAP_SYS_NICE;
    /// without it the service runs on, and says so once.
    /// </summary>
    public int RealtimePriority { get; set; }

    /// <summary>
    /// The CPU the reader and loop threads are pinned to, together (Linux): "auto" (the last CPU
    /// the process may use, when it may use two or more), "off", or a CPU number. One core for
    /// both hands each frame over without waking another, and keeps the scheduler from moving
    /// them mid-run. "off" here, for a program that runs loops of its own; the <c>neurolink</c>
    /// commands and the shipped <c>appsettings.json</c> give "auto".
    /// </summary>
    public string LoopCpu { get; set; } = "off";

    /// <summary>True when <see cref="LoopCpu"/> is "auto" (in any case, with spaces).</summary>
    public bool LoopCpuIsAuto => LoopCpuWord == "auto";

    /// <summary><see cref="LoopCpu"/> as compared: trimmed, lower case, "off" when unset.</summary>
    private string LoopCpuWord => (LoopCpu ?? "off").Trim().ToLowerInvariant();

    /// <summary>What the <c>neurolink</c> commands give <see cref="LoopCpu"/> unless told otherwise.</summary>
    public const string CommandLoopCpu = "auto";

    /// <summary>The CPU <see cref="LoopCpu"/> names on this machine, or -1 for none (off, auto with fewer than two CPUs, not Linux).</summary>
    public int ResolveLoopCpu() => LoopCpuWord switch
    {
        "auto" => Neurolink.Device.ThreadPinning.DefaultCpu(),
        "off" => -1,
        _ => TryCpuNumber(out int n) ? n : throw new InvalidOperationException($"Neurolink:LoopCpu is '{LoopCpu}': validate the options first (Problems)"),
    };

    /// <summary>Whether <see cref="LoopCpu"/> is a CPU number (0 to 1023), and which.</summary>
    private bool TryCpuNumber(out int cpu) =>
        int.TryParse(LoopCpuWord, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out cpu) && cpu <= 1023;

    /// <summary>
    /// Where the loop runs the frames: "reader" (the default), on the thread that read them from
    /// the device, right after the read, so no second thread is woken per frame; or "own", on a
    /// thread of its own that waits on the acquisition ring (the reader goes back to reading at
    /// once; a slow frame then delays no read).
    /// </summary>
    public string LoopThread { get; set; } = "reader";

    /// <summary>True when <see cref="LoopThread"/> is "reader" (in any case, with spaces).</summary>
    public bool LoopOnReaderThread => (LoopThread ?? "reader").Trim().Equals("reader", StringComparison.OrdinalIgnoreCase);

    /// <summary>Microseconds the loop thread polls for the next frame before blocking (0: none; up to 2000). Saves the wake-up, holds a core. With <see cref="LoopThread"/> "own" only.</summary>
    public int PollMicroseconds { get; set; }

    /// <summary>Record the session into this directory (Open Ephys layout: raw samples, spike events, stimulation, losses); empty: no recording.</summary>
    public string? Record { get; set; }

    /// <summary>A probeinterface file to put beside the recording (the built-in emulator's geometry is written without one).</summary>
    public string? Probe { get; set; }

    /// <summary>Milliseconds between status lines and log summaries (0: none).</summary>
    public int StatusIntervalMs { get; set; } = 1000;

    /// <summary>Serve metrics in Prometheus text format at this loopback URL (http://127.0.0.1:9464/metrics/); empty: off.</summary>
    public string? Prometheus { get; set; }

    /// <summary>Every problem with these settings, each naming its field, the value and what is allowed (empty when valid).</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        int channels = 0;
        if (!DeviceUri.TryParse(Device, out DeviceUri? uri, out string? error))
        {
            problems.Add($"Neurolink:Device \"{Device}\" is not a device URI: {error}");
        }
        else if (uri!.Kind == DeviceKind.Emulator)
        {
            try
            {
                channels = Emulator.EmulatorOptions.FromUri(uri.Text).Channels;
            }
            catch (FormatException e)
            {
                problems.Add($"Neurolink:Device \"{Device}\": {e.Message}");
            }
        }

        if (!string.IsNullOrWhiteSpace(Network))
        {
            try
            {
                NetworkSpec spec = NetworkJson.Load(Network);
                if (spec.Output is null)
                {
                    problems.Add($"Neurolink:Network \"{Network}\" names no output population (\"output\"): the loop would have nothing to turn into stimulation");
                }
            }
            catch (Exception e) when (e is NetworkSpecException or IOException or UnauthorizedAccessException)
            {
                problems.Add($"Neurolink:Network \"{Network}\": {e.Message}");
            }
        }
        else if (Neurons < Math.Max(channels, 1) + 100 || Neurons > 10_000_000)
        {
            problems.Add($"Neurolink:Neurons is {Neurons}: the default network needs at least the device's channels + 100 ({Math.Max(channels, 1) + 100}) and at most 10000000");
        }

        if (DtMs is not (1 or 0.5 or 0.25 or 0.2 or 0.1))
        {
            problems.Add($"Neurolink:DtMs is {DtMs}: it must be 1, 0.5, 0.25, 0.2 or 0.1 (a whole number of steps per 1 ms frame)");
        }

        if (!Backends.IsKnown(Backend))
        {
            problems.Add(Backends.Unknown($"Neurolink:Backend is \"{Backend}\""));
        }

        if (RealtimePriority is < 0 or > 99)
        {
            problems.Add($"Neurolink:RealtimePriority is {RealtimePriority}: it must be 0 (off) to 99");
        }

        string cpu = LoopCpuWord;
        if (cpu is not ("auto" or "off"))
        {
            IReadOnlyList<int> allowed = Neurolink.Device.ThreadPinning.AllowedCpus();
            if (!TryCpuNumber(out int n))
            {
                problems.Add($"Neurolink:LoopCpu is '{LoopCpu}': give auto (the last CPU this process may use), off, or a CPU number");
            }
            else if (allowed.Count > 0 && !allowed.Contains(n))
            {
                problems.Add($"Neurolink:LoopCpu is {n}: this process may use CPUs {string.Join(",", allowed)} only");
            }
        }

        string thread = (LoopThread ?? "reader").Trim().ToLowerInvariant();
        if (thread is not ("reader" or "own"))
        {
            problems.Add($"Neurolink:LoopThread is '{LoopThread}': give reader (frames run on the thread that read them) or own (the loop's own thread)");
        }

        if (PollMicroseconds is < 0 or > 2000)
        {
            problems.Add($"Neurolink:PollMicroseconds is {PollMicroseconds}: it must be 0 (block at once) to 2000");
        }
        else if (PollMicroseconds > 0 && thread == "reader")
        {
            problems.Add($"Neurolink:PollMicroseconds is {PollMicroseconds} with LoopThread reader: the reader waits on the device, not on the ring; set LoopThread to own to poll, or PollMicroseconds to 0");
        }

        if (Threads is < 0 or > 1024)
        {
            problems.Add($"Neurolink:Threads is {Threads}: it must be 0 (automatic) to 1024");
        }

        problems.AddRange((Stimulation ?? new()).Problems("Neurolink:Stimulation:"));
        if (!string.IsNullOrWhiteSpace(Record) && File.Exists(Path.Combine(Record, Recording.OpenEphysRecorder.RecordingFolder, "structure.oebin")))
        {
            problems.Add($"Neurolink:Record \"{Record}\" already holds a recording: choose another directory, or move that one away");
        }

        if (!string.IsNullOrWhiteSpace(Probe) && !File.Exists(Probe))
        {
            problems.Add($"Neurolink:Probe \"{Probe}\": no such file; give a probeinterface JSON file");
        }

        if (StatusIntervalMs is < 0 or > 3_600_000)
        {
            problems.Add($"Neurolink:StatusIntervalMs is {StatusIntervalMs}: it must be 0 (off) to 3600000");
        }

        if (!string.IsNullOrWhiteSpace(Prometheus))
        {
            if (!Uri.TryCreate(Prometheus, UriKind.Absolute, out Uri? url) || url.Scheme != "http" || !url.AbsolutePath.EndsWith('/'))
            {
                problems.Add($"Neurolink:Prometheus \"{Prometheus}\" must be an http URL ending in '/', such as http://127.0.0.1:9464/metrics/");
            }
            else if (!(url.IsLoopback || (IPAddress.TryParse(url.Host, out IPAddress? ip) && IPAddress.IsLoopback(ip))))
            {
                problems.Add($"Neurolink:Prometheus \"{Prometheus}\" is not on loopback: the metrics endpoint has no authentication, so it binds to 127.0.0.1 or localhost only");
            }
        }

        return problems;
    }
}

/// <summary>Reads <see cref="NeurolinkOptions"/> from configuration, with every problem found.</summary>
public static class NeurolinkConfig
{
    /// <summary>
    /// Binds the "Neurolink" section setting by setting, so that one bad value does not hide the
    /// next: an unknown key (a typo), a value of the wrong type, and every out-of-range value
    /// each give one line naming the field.
    /// </summary>
    public static (NeurolinkOptions Options, IReadOnlyList<string> Problems) Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new NeurolinkOptions();
        var problems = new List<string>();
        IConfigurationSection section = configuration.GetSection(NeurolinkOptions.Section);
        Unknown(section, typeof(NeurolinkOptions), problems);
        foreach (IConfigurationSection child in section.GetChildren())
        {
            IConfigurationRoot one = new ConfigurationBuilder().AddInMemoryCollection(child.AsEnumerable()).Build();
            try
            {
                one.GetSection(NeurolinkOptions.Section).Bind(options);
            }
            catch (InvalidOperationException e)
            {
                problems.Add($"{child.Path}: {e.Message}");
            }
        }

        problems.AddRange(options.Problems());
        return (options, problems);
    }

    /// <summary>Names every key under <paramref name="section"/> that is not a property of <paramref name="type"/> (a typo), at any depth.</summary>
    private static void Unknown(IConfigurationSection section, Type type, List<string> problems)
    {
        System.Reflection.PropertyInfo[] properties = type.GetProperties();
        foreach (IConfigurationSection child in section.GetChildren())
        {
            System.Reflection.PropertyInfo? p = Array.Find(properties, p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (p is null)
            {
                problems.Add($"{child.Path} is not a setting (the settings there are {string.Join(", ", properties.Select(x => x.Name))})");
            }
            else if (p.PropertyType.IsClass && p.PropertyType != typeof(string))
            {
                Unknown(child, p.PropertyType, problems);
            }
        }
    }
}

/// <summary>The configuration has problems; the message lists every one.</summary>
public sealed class NeurolinkConfigException(IReadOnlyList<string> problems)
    : Exception("invalid configuration:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  - " + p)))
{
    /// <summary>Each problem, naming its field.</summary>
    public IReadOnlyList<string> Problems { get; } = problems;
}
