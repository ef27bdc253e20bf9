using System.Collections.Concurrent;
using Neurolink.Transport;

namespace Neurolink.Emulator;

/// <summary>
/// Hands in-process links to an emulator: each <see cref="Connect"/> is a cable plugged in. The
/// emulator serves one link at a time and takes the next after a disconnect.
/// </summary>
public sealed class InProcessConnector : IDisposable
{
    private readonly BlockingCollection<InProcessTransport> _pending = [];

    /// <summary>Plugs in a new link and returns the host's end.</summary>
    public InProcessTransport Connect(string uri = "emu://")
    {
        var (host, device) = InProcessTransport.CreatePair(uri);
        _pending.Add(device);
        return host;
    }

    /// <summary>Stops handing out links.</summary>
    public void Dispose() => _pending.Dispose();

    internal IDeviceLink? NextDeviceLink(CancellationToken cancellationToken)
    {
        try
        {
            return new InProcessDeviceLink(_pending.Take(cancellationToken));
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }
}
