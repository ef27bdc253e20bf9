using Neurolink.Emulator;
using Neurolink.Transport;
using Neurolink.Transport.Usb;

namespace Neurolink.Host;

/// <summary>Turns a device URI into an open transport; for emu:// it also starts the emulator in process, and for file:// an emulated device that replays the recording.</summary>
public sealed class DeviceOpener : IDisposable
{
    private HeadstageEmulator? _emulator;
    private InProcessConnector? _connector;
    private RecordedRows? _recording;

    /// <summary>The emulator started for an emu:// URI, or null.</summary>
    public HeadstageEmulator? Emulator => _emulator;

    /// <summary>Opens the device.</summary>
    /// <exception cref="TransportException">It cannot be opened; the message says why and what to do.</exception>
    /// <exception cref="FormatException">The URI is invalid.</exception>
    public ITransport Open(DeviceUri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        switch (uri.Kind)
        {
            case DeviceKind.Emulator:
                // Opened again after a disconnect, it is the same emulated device.
                if (_connector is null)
                {
                    (_emulator, _connector) = HeadstageEmulator.StartInProcess(EmulatorOptions.FromUri(uri.Text));
                }

                return _connector.Connect(uri.Text);
            case DeviceKind.Tcp:
                return TcpTransport.Connect(uri, TimeSpan.FromSeconds(5));
            case DeviceKind.Serial:
                return SerialTransport.Open(uri);
            case DeviceKind.Usb:
                return UsbTransport.Open(uri);
            case DeviceKind.File:
                if (_connector is null)
                {
                    // A recording replayed by an emulated device: file://DIR (real time) or file://DIR?speed=max.
                    bool fast = uri.Query.Split('&').Contains("speed=max");
                    if (uri.Query.Length > 0 && !fast && uri.Query != "speed=realtime")
                    {
                        throw new TransportException($"device {uri}: the only setting of a replay is speed=realtime (the default) or speed=max");
                    }

                    RecordedRows recording;
                    try
                    {
                        recording = new RecordedRows(uri.Path!);
                    }
                    catch (FormatException e)
                    {
                        throw new TransportException($"device {uri}: {e.Message}");
                    }

                    _recording = recording;
                    (_emulator, _connector) = HeadstageEmulator.StartInProcess(new EmulatorOptions
                    {
                        Channels = recording.Channels,
                        Recording = recording,
                        Clock = fast ? EmulatorClock.Virtual : EmulatorClock.Paced,
                    });
                }
                else if (_emulator!.ReplayFinished)
                {
                    throw new TransportException($"device {uri}: the recording has been replayed to its end ({_recording!.Rows} rows)");
                }

                return _connector.Connect(uri.Text);
            default:
                throw new TransportException($"device {uri}: this kind of device is not supported");
        }
    }

    /// <summary>
    /// Where the channels' contacts are, when this program knows: for the built-in emulator, its
    /// electrode geometry (a grid seen from above, or a shank's columns by depth); null otherwise
    /// (give a probeinterface file with --probe).
    /// </summary>
    public static Recording.ProbeMap? Probe(DeviceUri uri, int channels)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (uri.Kind != DeviceKind.Emulator)
        {
            return null;
        }

        EmulatorOptions options = EmulatorOptions.FromUri(uri.Text);
        var geometry = Neurolink.Emulator.Tissue.ElectrodeGeometry.Create(options.Geometry, channels);
        var positions = new (double X, double Y)[channels];
        for (int c = 0; c < channels; c++)
        {
            positions[c] = geometry.Name == "grid" ? (geometry.X[c], geometry.Y[c]) : (geometry.X[c], geometry.Z[c]);
        }

        return new Recording.ProbeMap("neurolink-emulator-" + geometry.Name, positions);
    }

    /// <summary>What a recorder needs to know of the device a session has connected to: its rate, channels, scale, and the probe map (<paramref name="probeFile"/>, or the emulator's geometry).</summary>
    public static Recording.RecordingSource RecordingSourceFor(Device.Acquisition.AcquisitionSession session, DeviceUri uri, string? probeFile)
    {
        ArgumentNullException.ThrowIfNull(session);
        Protocol.Payloads.Capabilities caps = session.Capabilities ?? throw new InvalidOperationException("start the session first: the recording's shape comes from the device");
        int channels = (int)caps.ChannelCount;
        return new Recording.RecordingSource(uri.Text, channels, session.SampleRateHz, caps.RawScaleNv, probeFile is null ? Probe(uri, channels) : null, probeFile);
    }

    /// <summary>True once a replayed recording (file://) has been sent to its end.</summary>
    public bool ReplayFinished => _emulator?.ReplayFinished == true;

    /// <summary>Stops the emulator, if one was started.</summary>
    public void Dispose()
    {
        _emulator?.Dispose();
        _connector?.Dispose();
        _recording?.Dispose();
    }
}
