using Neurolink.Protocol.Payloads;

namespace Neurolink.Emulator.Tests;

public class DeterminismTests
{
    private static byte[] Run(ulong seed, StreamMask streams)
    {
        using var driver = new FirmwareDriver(new EmulatorOptions { Channels = 128, Seed = seed, Tissue = new() { Neurons = 2000 } });
        driver.Start(streams);
        driver.Run(300);
        return [.. driver.Bytes];
    }

    [Theory]
    [InlineData(StreamMask.Raw | StreamMask.Events | StreamMask.Counts)]
    [InlineData(StreamMask.Events | StreamMask.Counts)]
    public void The_same_seed_gives_a_byte_identical_stream(StreamMask streams)
    {
        byte[] first = Run(7, streams);
        Assert.True(first.Length > 10_000);
        Assert.Equal(first, Run(7, streams));
    }

    [Fact]
    public void Another_seed_gives_another_stream() =>
        Assert.NotEqual(Run(7, StreamMask.Counts | StreamMask.Events), Run(8, StreamMask.Counts | StreamMask.Events));

    [Fact]
    public void The_threaded_emulator_on_the_virtual_clock_is_deterministic_too()
    {
        List<HostFrame> Frames()
        {
            var (emulator, connector) = HeadstageEmulator.StartInProcess(new EmulatorOptions { Channels = 64, Seed = 9, Tissue = new() { Neurons = 1000 } });
            using (emulator)
            using (connector)
            using (var session = new HostSession(connector.Connect()))
            {
                session.Hello();
                session.Send(new StartAcquisition(StreamMask.Raw | StreamMask.Counts));
                var frames = new List<HostFrame>();
                for (int i = 0; i < 400; i++)
                {
                    frames.Add(session.Expect(_ => true));
                }

                return frames;
            }
        }

        List<HostFrame> a = Frames(), b = Frames();
        Assert.Equal(a.Select(f => f.Header), b.Select(f => f.Header));
        Assert.Equal(a.SelectMany(f => f.Payload), b.SelectMany(f => f.Payload));
    }
}
