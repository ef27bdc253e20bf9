using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Neurolink.Device;
using Neurolink.Device.Acquisition;
using Neurolink.Mass;
using Neurolink.Transport;

namespace Neurolink.Host;

/// <summary>
/// The closed loop as a hosted service: it starts the run (device, acquisition, mass, loop),
/// logs a status line every <see cref="NeurolinkOptions.StatusIntervalMs"/>, and stops in the
/// safe order on Ctrl+C, SIGTERM or a service stop: stimulation disarmed first, then
/// acquisition stopped, then the device closed. A lost device is reconnected while the service
/// stays up; a fault in the loop stops stimulation at once and then the service (exit code 3).
/// </summary>
public sealed class ClosedLoopService(
    IOptions<NeurolinkOptions> options,
    ILogger<ClosedLoopService> logger,
    IHostApplicationLifetime lifetime,
    NeurolinkMetrics metrics) : IHostedService, IDisposable
{
    /// <summary>Exit code when the loop failed while running.</summary>
    public const int LoopFaultExitCode = 3;

    private readonly NeurolinkOptions _options = options.Value;
    private LoopRunner? _runner;
    private Timer? _status;
    private Timer? _end;
    private LinkState _lastState = LinkState.Acquiring;

    /// <summary>The run (null before start).</summary>
    public LoopRunner? Runner => _runner;

    /// <summary>The summary of the run, once stopped.</summary>
    public LoopSummary? Final { get; private set; }

    /// <summary>Called with the run and its summary at every status interval (the CLI's status line).</summary>
    public Action<LoopRunner, LoopSummary>? OnStatus { get; set; }

    /// <summary>Starts the run.</summary>
    /// <exception cref="NeurolinkStartException">The device, the network or the backend could not be started; the message says why.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var runner = new LoopRunner(_options) { OnLatency = metrics.RecordLatency };
        _runner = runner;
        try
        {
            await Task.Run(runner.Start, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TransportException or DeviceException or NotSupportedException or NetworkSpecException or IOException or UnauthorizedAccessException or InvalidDataException)
        {
            Log.StartFailed(logger, e.Message);
            runner.Dispose();
            _runner = null;
            throw new NeurolinkStartException(e.Message, e);
        }

        metrics.Observe(runner);
        LoopSummary s = runner.Summary();
        Log.Started(logger, _options.Device, s.Channels, s.Neurons, s.Synapses, s.Backend);
        if (runner.RealtimeProblem is { } rt)
        {
            Log.NoRealtime(logger, rt);
        }

        if (runner.PinProblem is { } pin)
        {
            Log.NotPinned(logger, pin);
        }

        foreach (string problem in runner.ArmProblems)
        {
            Log.ArmRefused(logger, problem);
        }

        runner.Loop!.Faulted += e =>
        {
            Log.LoopFailed(logger, e);
            Environment.ExitCode = LoopFaultExitCode;
            lifetime.StopApplication();
        };
        if (_options.StatusIntervalMs > 0)
        {
            _status = new Timer(_ => Status(), null, _options.StatusIntervalMs, _options.StatusIntervalMs);
        }

        // A replayed recording ends: so does the run.
        _end = new Timer(_ =>
        {
            if (runner.DeviceFinished)
            {
                lifetime.StopApplication();
            }
        }, null, 200, 200);
    }

    /// <summary>Stops in the safe order and logs the summary.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_status is not null)
        {
            await _status.DisposeAsync().ConfigureAwait(false);
        }

        if (_end is not null)
        {
            await _end.DisposeAsync().ConfigureAwait(false);
        }

        if (_runner is not { } runner || Final is not null)
        {
            return;
        }

        Log.Stopping(logger);
        await Task.Run(runner.Stop, CancellationToken.None).ConfigureAwait(false);
        LoopSummary s = runner.Summary();
        Final = s;
        Log.Stopped(logger, s.DurationSeconds, s.Frames, s.LostFrames, s.CrcErrors, s.DeadlineMisses, s.LoopLatencyUs.P50, s.LoopLatencyUs.P99, s.LoopLatencyUs.P999, s.LoopLatencyUs.Max, s.StimSent, s.StimRefused);
        runner.Dispose();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _status?.Dispose();
        _end?.Dispose();
        _runner?.Dispose();
    }

    private void Status()
    {
        if (_runner is not { Session: { } session } runner)
        {
            return;
        }

        LinkState state = session.State;
        if (state != _lastState && state == LinkState.Reconnecting && !runner.DeviceFinished)
        {
            Log.LinkDown(logger, "down", session.LastError);
        }

        _lastState = state;
        LoopSummary s = runner.Summary();
        Log.Status(logger, s.Frames, s.LostFrames, s.DeadlineMisses, s.LoopLatencyUs.P50, s.LoopLatencyUs.P99, s.StimSent, s.StimRefused, state);
        OnStatus?.Invoke(runner, s);
    }
}

/// <summary>The closed loop could not start (device, network or backend); the message says why and what to do.</summary>
public sealed class NeurolinkStartException(string message, Exception inner) : Exception(message, inner);
