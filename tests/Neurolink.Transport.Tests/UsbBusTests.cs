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

/// <summary>The USB transport through the real libusb, where no headstage is attached.</summary>
public class UsbTransportTests
{
    [Fact]
    public void Opening_a_headstage_that_is_not_attached_says_so()
    {
        var error = Assert.Throws<TransportException>(() => UsbTransport.Open(DeviceUri.Parse("usb://fffe:fffe?serial=NL0001")));
        Assert.Equal("device usb://fffe:fffe?serial=NL0001 not found: no USB device with that id is attached; `neurolink devices` lists what is", error.Message);
    }

    [Theory]
    [InlineData("usb://fffe:fffe?in=0x01", "USB option in='0x01' must be a number from 129 (0x81) to 143 (0x8F)")]
    [InlineData("usb://fffe:fffe?transfers=1", "USB option transfers='1' must be a number from 2")]
    [InlineData("usb://fffe:fffe?speed=fast", "USB option 'speed' is unknown")]
    public void Bad_usb_options_are_named(string uri, string expected)
    {
        var error = Assert.Throws<TransportException>(() => UsbTransport.Open(DeviceUri.Parse(uri)));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public unsafe void The_transfer_struct_matches_libusb_h_on_this_platform()
    {
        // struct libusb_transfer: the offsets a C compiler gives on 64-bit Linux and Windows.
        Assert.Equal(12, (int)System.Runtime.InteropServices.Marshal.OffsetOf<LibUsb.Transfer>(nameof(LibUsb.Transfer.Timeout)));
        Assert.Equal(24, (int)System.Runtime.InteropServices.Marshal.OffsetOf<LibUsb.Transfer>(nameof(LibUsb.Transfer.ActualLength)));
        Assert.Equal(32, (int)System.Runtime.InteropServices.Marshal.OffsetOf<LibUsb.Transfer>(nameof(LibUsb.Transfer.Callback)));
        Assert.Equal(48, (int)System.Runtime.InteropServices.Marshal.OffsetOf<LibUsb.Transfer>(nameof(LibUsb.Transfer.Buffer)));
        Assert.Equal(56, (int)System.Runtime.InteropServices.Marshal.OffsetOf<LibUsb.Transfer>(nameof(LibUsb.Transfer.NumIsoPackets)));
    }
}
