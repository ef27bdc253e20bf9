namespace Neurolink.Transport.Tests;

public class DeviceUriTests
{
    [Fact]
    public void The_design_examples_parse()
    {
        DeviceUri emu = DeviceUri.Parse("emu://?channels=1024&seed=7");
        Assert.Equal(DeviceKind.Emulator, emu.Kind);
        Assert.Equal("channels=1024&seed=7", emu.Query);

        DeviceUri serial = DeviceUri.Parse("serial:///dev/ttyACM0?baud=3000000");
        Assert.Equal(("/dev/ttyACM0", 3_000_000), (serial.Path, serial.BaudRate));

        DeviceUri usb = DeviceUri.Parse("usb://04b4:00f1?serial=NL0001");
        Assert.Equal((0x04b4, 0x00f1, "NL0001"), (usb.VendorId, usb.ProductId, usb.SerialNumber));

        DeviceUri tcp = DeviceUri.Parse("tcp://127.0.0.1:7300");
        Assert.Equal(("127.0.0.1", 7300), (tcp.Host, tcp.Port));

        Assert.Equal("run1/", DeviceUri.Parse("file://run1/").Path);
    }

    [Theory]
    [InlineData("", "no device URI given")]
    [InlineData("ftp://x", "has no known scheme")]
    [InlineData("usb://04b4", "write usb://VID:PID with 4-digit hexadecimal ids")]
    [InlineData("usb://zzzz:00f1", "write usb://VID:PID")]
    [InlineData("tcp://127.0.0.1", "write tcp://HOST:PORT")]
    [InlineData("tcp://127.0.0.1:99999", "a port from 1 to 65535")]
    [InlineData("serial://", "names no serial port")]
    [InlineData("serial:///dev/ttyACM0?baud=fast", "baud 'fast'")]
    [InlineData("file://", "names no recording")]
    public void Bad_uris_say_what_is_wrong_and_show_a_valid_one(string text, string expected)
    {
        Assert.False(DeviceUri.TryParse(text, out _, out string? error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Contains(expected, Assert.Throws<FormatException>(() => DeviceUri.Parse(text)).Message, StringComparison.Ordinal);
    }
}
