namespace Neurolink.Transport.Usb;

/// <summary>A USB device on the bus, as enumeration sees it.</summary>
/// <param name="VendorId">USB vendor id.</param>
/// <param name="ProductId">USB product id.</param>
/// <param name="Bus">Bus number.</param>
/// <param name="Address">Device address on the bus.</param>
public readonly record struct UsbDeviceInfo(ushort VendorId, ushort ProductId, byte Bus, byte Address)
{
    /// <summary>The device URI that names this id: usb://vvvv:pppp.</summary>
    public string Uri => $"usb://{VendorId:x4}:{ProductId:x4}";
}
