namespace Neurolink.Transport.Usb;

/// <summary>A libusb context, released with <c>libusb_exit</c>.</summary>
internal sealed class LibUsbContext : System.Runtime.InteropServices.SafeHandle
{
    public LibUsbContext()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>Opens a context.</summary>
    /// <exception cref="TransportException">libusb is not installed, or could not start.</exception>
    public static LibUsbContext Open()
    {
        int result;
        IntPtr context;
        try
        {
            result = LibUsb.Init(out context);
        }
        catch (DllNotFoundException e)
        {
            throw new TransportException(
                "libusb-1.0 is not installed, so USB headstages cannot be reached: on Debian or Ubuntu run `sudo apt-get install libusb-1.0-0`; on Windows put libusb-1.0.dll next to neurolink", e);
        }

        if (result != 0)
        {
            throw new TransportException($"libusb could not start ({LibUsb.NameOf(result)}); check that /dev/bus/usb exists and is readable");
        }

        var safe = new LibUsbContext();
        safe.SetHandle(context);
        return safe;
    }

    protected override bool ReleaseHandle()
    {
        LibUsb.Exit(handle);
        return true;
    }
}
