namespace Neurolink.Transport.Usb;

/// <summary>
/// Enumerates USB devices through libusb and finds the ones a usb:// URI's id names (opening
/// one, and matching its serial number, is <see cref="UsbTransport.Open"/>'s work).
/// </summary>
public static unsafe class UsbBus
{
    /// <summary>Every USB device attached now.</summary>
    /// <exception cref="TransportException">libusb is missing or cannot enumerate; the message says what to do.</exception>
    public static IReadOnlyList<UsbDeviceInfo> Enumerate()
    {
        using LibUsbContext context = LibUsbContext.Open();
        nint count = LibUsb.GetDeviceList(context.DangerousGetHandle(), out IntPtr* list);
        if (count < 0)
        {
            throw new TransportException($"libusb could not list USB devices ({LibUsb.NameOf((int)count)})");
        }

        try
        {
            var devices = new List<UsbDeviceInfo>((int)count);
            for (nint i = 0; i < count; i++)
            {
                if (LibUsb.GetDeviceDescriptor(list[i], out LibUsb.DeviceDescriptor d) == 0)
                {
                    devices.Add(new UsbDeviceInfo(d.VendorId, d.ProductId, LibUsb.GetBusNumber(list[i]), LibUsb.GetDeviceAddress(list[i])));
                }
            }

            return devices;
        }
        finally
        {
            LibUsb.FreeDeviceList(list, 1);
        }
    }

    /// <summary>The first attached device with the id <paramref name="uri"/> names (its serial number is not read here).</summary>
    /// <exception cref="TransportException">No such device is attached, with a pointer to what is.</exception>
    public static UsbDeviceInfo Find(DeviceUri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (uri.Kind != DeviceKind.Usb)
        {
            throw new ArgumentException($"{uri} is not a usb:// device", nameof(uri));
        }

        foreach (UsbDeviceInfo device in Enumerate())
        {
            if (device.VendorId == uri.VendorId && device.ProductId == uri.ProductId)
            {
                return device;
            }
        }

        throw new TransportException($"device {uri} not found: no USB device with that id is attached; `neurolink devices` lists what is");
    }
}
