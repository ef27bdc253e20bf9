using Neurolink.Transport.Usb;

namespace Neurolink.Transport.Tests;

/// <summary>libusb for real on this machine: the library loads, a context opens, enumeration runs.</summary>
public class UsbBusTests
{
    [Fact]
    public void Enumeration_runs_through_the_real_libusb()
    {
        IReadOnlyList<UsbDeviceInfo> devices = UsbBus.Enumerate();
        Assert.All(devices, d => Assert.Matches("^usb://[0-9a-f]{4}:[0-9a-f]{4}$", d.Uri));
    }

    [Fact]
    public void A_headstage_that_is_not_attached_is_a_clear_not_found_error()
    {
        // 0xfffe:0xfffe is not assigned to any vendor, so no machine has it.
        var error = Assert.Throws<TransportException>(() => UsbBus.Find(DeviceUri.Parse("usb://fffe:fffe")));
        Assert.Equal("device usb://fffe:fffe not found: no USB device with that id is attached; `neurolink devices` lists what is", error.Message);
    }
}
