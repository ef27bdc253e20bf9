namespace Neurolink.Learning.Tests;

public class EmulatorUriTests
{
    [Theory]
    [InlineData("emu://?channels=64", "emu://?channels=64&seed=5")]
    [InlineData("emu://", "emu://?seed=5")]
    [InlineData("emu://?channels=64&seed=2", "emu://?channels=64&seed=2")]
    [InlineData("emu://?seeds=2", "emu://?seeds=2&seed=5")]
    [InlineData("emu://?truth=1", "emu://?truth=1")]
    [InlineData("emu://?channels=64&seed", "emu://?channels=64&seed")]
    [InlineData("tcp://127.0.0.1:7300", "tcp://127.0.0.1:7300")]
    public void A_default_is_added_only_to_an_emulator_that_does_not_say_it(string device, string expected)
    {
        Assert.Equal(expected, EmulatorUri.WithDefault(device, "seed", "5", "truth"));
    }
}
