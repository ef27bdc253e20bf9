using System.Reflection;
using System.Runtime.InteropServices;

namespace Neurolink.Transport.Usb;

/// <summary>
/// The part of libusb-1.0 that Neurolink binds: contexts, enumeration, descriptors, opening a
/// device and claiming its interface, synchronous bulk OUT and asynchronous bulk IN transfers
/// with the event loop (<c>LibraryImport</c>; the library comes from the OS: <c>libusb-1.0-0</c>
/// on Debian).
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

    internal const int ErrorAccess = -3;
    internal const int ErrorNoDevice = -4;
    internal const int ErrorNotFound = -5;
    internal const int ErrorBusy = -6;
    internal const int ErrorTimeout = -7;
    internal const int ErrorPipe = -9;
    internal const int ErrorInterrupted = -10;
    internal const byte TransferTypeBulk = 2;

    /// <summary><c>struct libusb_transfer</c> (libusb.h), without the iso packet descriptors, which bulk transfers do not have.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Transfer
    {
        public IntPtr DeviceHandle;
        public byte Flags;
        public byte Endpoint;
        public byte Type;
        public uint Timeout;
        public int Status;
        public int Length;
        public int ActualLength;
        public IntPtr Callback;
        public IntPtr UserData;
        public byte* Buffer;
        public int NumIsoPackets;
    }

    /// <summary><c>struct timeval</c>: C <c>long</c> fields (4 bytes on Windows, 8 on 64-bit Linux).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct TimeVal
    {
        public CLong Seconds;
        public CLong Microseconds;
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

    [LibraryImport(Library, EntryPoint = "libusb_open")]
    internal static partial int Open(IntPtr device, out IntPtr handle);

    [LibraryImport(Library, EntryPoint = "libusb_close")]
    internal static partial void Close(IntPtr handle);

    [LibraryImport(Library, EntryPoint = "libusb_set_auto_detach_kernel_driver")]
    internal static partial int SetAutoDetachKernelDriver(IntPtr handle, int enable);

    [LibraryImport(Library, EntryPoint = "libusb_claim_interface")]
    internal static partial int ClaimInterface(IntPtr handle, int interfaceNumber);

    [LibraryImport(Library, EntryPoint = "libusb_release_interface")]
    internal static partial int ReleaseInterface(IntPtr handle, int interfaceNumber);

    [LibraryImport(Library, EntryPoint = "libusb_get_string_descriptor_ascii")]
    internal static partial int GetStringDescriptorAscii(IntPtr handle, byte index, byte* data, int length);

    [LibraryImport(Library, EntryPoint = "libusb_clear_halt")]
    internal static partial int ClearHalt(IntPtr handle, byte endpoint);

    [LibraryImport(Library, EntryPoint = "libusb_bulk_transfer")]
    internal static partial int BulkTransfer(IntPtr handle, byte endpoint, byte* data, int length, out int transferred, uint timeoutMs);

    [LibraryImport(Library, EntryPoint = "libusb_alloc_transfer")]
    internal static partial Transfer* AllocTransfer(int isoPackets);

    [LibraryImport(Library, EntryPoint = "libusb_free_transfer")]
    internal static partial void FreeTransfer(Transfer* transfer);

    [LibraryImport(Library, EntryPoint = "libusb_submit_transfer")]
    internal static partial int SubmitTransfer(Transfer* transfer);

    [LibraryImport(Library, EntryPoint = "libusb_cancel_transfer")]
    internal static partial int CancelTransfer(Transfer* transfer);

    [LibraryImport(Library, EntryPoint = "libusb_handle_events_timeout_completed")]
    internal static partial int HandleEventsTimeoutCompleted(IntPtr context, TimeVal* timeout, int* completed);

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
