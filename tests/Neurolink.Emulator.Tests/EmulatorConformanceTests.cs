using Neurolink.Transport;

namespace Neurolink.Emulator.Tests;

/// <summary>The SPEC v1 conformance suite against the emulator, in process, on its own thread.</summary>
public sealed class EmulatorConformanceTests : DeviceConformanceSuite
{
    private readonly HeadstageEmulator _emulator;
    private readonly InProcessConnector _connector;

    public EmulatorConformanceTests()
    {
        (_emulator, _connector) = HeadstageEmulator.StartInProcess(new EmulatorOptions { Channels = 64, Seed = 5, Tissue = new() { Neurons = 800 } });
    }

    protected override ITransport Connect() => _connector.Connect();

    public override void Dispose()
    {
        base.Dispose();
        _emulator.Dispose();
        _connector.Dispose();
        Assert.Null(_emulator.Failure);
    }
}
