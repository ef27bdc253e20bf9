using System.Reflection;
using System.Runtime.InteropServices;

namespace Neurolink.Transport.Usb;

/// <summary>
/// The part of libusb-1.0 that Neurolink binds so far: contexts, enumeration and descriptors
/// (<c>LibraryImport</c>; the library comes from the OS: <c>libusb-1.0-0</c> on Debian).
/// </summary>
internal static unsafe partial class LibUsb
{
    private const string Library = "libusb-1.0";

    static LibUsb() => NativeLibrary.SetDllImportResolver(typeof(LibUsb).Assembly, Resolve);

    [StructLayout(LayoutKind.Sequential)]
    internal struct DeviceDescriptor
    {
        public byte Length;
        public byte DescriptorType;
        public ushort BcdUsb;
        public byte DeviceClass;
        public byte DeviceSubClass;
        public byte DeviceProtocol;
        public byte MaxPacketSize0;
        public ushort VendorId;
        public ushort ProductId;
        public ushort BcdDevice;
        public byte Manufacturer;
        public byte Product;
        public byte SerialNumber;
        public byte NumConfigurations;
    }

    [LibraryImport(Library, EntryPoint = "libusb_init")]
    internal static partial int Init(out IntPtr context);

    [LibraryImport(Library, EntryPoint = "libusb_exit")]
    internal static partial void Exit(IntPtr context);

    [LibraryImport(Library, EntryPoint = "libusb_get_device_list")]
    internal static partial nint GetDeviceList(IntPtr context, out IntPtr* list);

    [LibraryImport(Library, EntryPoint = "libusb_free_device_list")]
    internal static partial void FreeDeviceList(IntPtr* list, int unreferenceDevices);

    [LibraryImport(Library, EntryPoint = "libusb_get_device_descriptor")]
    internal static partial int GetDeviceDescriptor(IntPtr device, out DeviceDescriptor descriptor);

    [LibraryImport(Library, EntryPoint = "libusb_get_bus_number")]
    internal static partial byte GetBusNumber(IntPtr device);

    [LibraryImport(Library, EntryPoint = "libusb_get_device_address")]
    internal static partial byte GetDeviceAddress(IntPtr device);

    [LibraryImport(Library, EntryPoint = "libusb_error_name")]
    internal static partial IntPtr ErrorName(int code);

    /// <summary>libusb's name for an error code (a static string, never freed).</summary>
    internal static string NameOf(int code) => Marshal.PtrToStringUTF8(ErrorName(code)) ?? $"LIBUSB_ERROR {code}";

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != Library)
        {
            return IntPtr.Zero;
        }

        string[] candidates = OperatingSystem.IsWindows() ? ["libusb-1.0.dll"]
            : OperatingSystem.IsMacOS() ? ["libusb-1.0.0.dylib", "libusb-1.0.dylib"]
            : ["libusb-1.0.so.0", "libusb-1.0.so"];
        foreach (string candidate in candidates)
        {
            if (NativeLibrary.TryLoad(candidate, assembly, searchPath, out IntPtr handle))
            {
                return handle;
            }
        }

        return IntPtr.Zero;
    }
}
