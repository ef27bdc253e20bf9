using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Neurolink.Transport.Usb;

/// <summary>
/// A headstage over USB (SPEC section 12): the vendor interface claimed, a ring of asynchronous
/// bulk-IN transfers in flight (<see cref="BulkInRing"/>) served by a dedicated libusb event
/// thread, and bulk OUT for the host's frames. URI options: <c>interface</c> (0), <c>in</c>
/// (0x81), <c>out</c> (0x01), <c>transfers</c> (16), <c>transfer-size</c> (262144).
/// </summary>
public sealed unsafe class UsbTransport : ITransport
{
    private const uint WriteTimeoutMs = 1000;

    private readonly LibUsbContext _context;
    private readonly IntPtr _handle;
    private readonly int _interface;
    private readonly byte _outEndpoint;
    private readonly Backend _backend;
    private readonly BulkInRing _ring;
    private readonly Thread _events;
    private volatile bool _stopEvents;
    private bool _disposed;

    private UsbTransport(string uri, LibUsbContext context, IntPtr handle, UsbOptions options)
    {
        Uri = uri;
        _context = context;
        _handle = handle;
        _interface = options.Interface;
        _outEndpoint = options.OutEndpoint;
        _backend = new Backend(handle, options.InEndpoint, options.Transfers);
        _ring = new BulkInRing(_backend, options.Transfers, options.TransferSize);
        _backend.Attach(_ring);
        _events = new Thread(HandleEvents) { IsBackground = true, Name = "neurolink-usb-events", Priority = ThreadPriority.AboveNormal };
        _events.Start();
        _ring.Start();
    }

    /// <inheritdoc/>
    public string Uri { get; }

    /// <summary>The transfer ring's counters: stalls, overflows, errors.</summary>
    public BulkInCounters Counters => _ring.Counters;

    /// <summary>
    /// Opens the device a usb:// URI names, claims its interface and starts the transfer ring.
    /// With <paramref name="detachKernelDriver"/> false (for probing), a device that a kernel
    /// driver holds (a keyboard, a disk) is left alone: the claim fails as busy.
    /// </summary>
    /// <exception cref="TransportException">libusb missing, no such device, permission denied, interface busy: each says what to do.</exception>
    public static UsbTransport Open(DeviceUri uri, bool detachKernelDriver = true)
    {
        ArgumentNullException.ThrowIfNull(uri);
        UsbOptions options = UsbOptions.Parse(uri);
        LibUsbContext context = LibUsbContext.Open();
        IntPtr handle = IntPtr.Zero;
        try
        {
            handle = OpenMatching(context, uri);
            _ = LibUsb.SetAutoDetachKernelDriver(handle, detachKernelDriver ? 1 : 0); // not supported everywhere (Windows): harmless then
            int rc = LibUsb.ClaimInterface(handle, options.Interface);
            if (rc != 0)
            {
                throw new TransportException(rc == LibUsb.ErrorBusy
                    ? $"device {uri} is in use by another program (another neurolink, or a vendor tool): close it and try again"
                    : $"device {uri}: interface {options.Interface} could not be claimed ({LibUsb.NameOf(rc)})");
            }

            return new UsbTransport(uri.Text, context, handle, options);
        }
        catch
        {
            if (handle != IntPtr.Zero)
            {
                LibUsb.Close(handle);
            }

            context.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public int Read(Span<byte> destination, CancellationToken cancellationToken) => _ring.Read(destination, cancellationToken);

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<byte> source, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        bool clearedOnce = false;
        fixed (byte* start = source)
        {
            int done = 0;
            while (done < source.Length)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int rc = LibUsb.BulkTransfer(_handle, _outEndpoint, start + done, source.Length - done, out int sent, WriteTimeoutMs);
                done += sent;
                switch (rc)
                {
                    case 0:
                        break;
                    case LibUsb.ErrorPipe when !clearedOnce:
                        clearedOnce = true;
                        if (LibUsb.ClearHalt(_handle, _outEndpoint) != 0)
                        {
                            throw new TransportException($"device {Uri}: its OUT endpoint stalled and the halt could not be cleared; power-cycle it");
                        }

                        break;
                    case LibUsb.ErrorNoDevice:
                        throw new TransportClosedException($"device {Uri} is gone: it was disconnected");
                    case LibUsb.ErrorTimeout:
                        throw new TransportException($"device {Uri} did not take the host's frame within {WriteTimeoutMs} ms; it may be hung: power-cycle it");
                    default:
                        throw new TransportException($"device {Uri}: bulk OUT failed ({LibUsb.NameOf(rc)})");
                }
            }
        }
    }

    /// <summary>Cancels every transfer and waits for them, stops the event thread, releases the interface and closes the device.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        bool drained = _ring.Cancel(TimeSpan.FromSeconds(2));
        _stopEvents = true;
        _events.Join();
        _ = LibUsb.ReleaseInterface(_handle, _interface); // fails only when the device is already gone
        LibUsb.Close(_handle);
        if (drained)
        {
            _backend.Dispose();
            _ring.Dispose();
        }

        _context.Dispose();
    }

    private static IntPtr OpenMatching(LibUsbContext context, DeviceUri uri)
    {
        nint count = LibUsb.GetDeviceList(context.DangerousGetHandle(), out IntPtr* list);
        if (count < 0)
        {
            throw new TransportException($"libusb could not list USB devices ({LibUsb.NameOf((int)count)})");
        }

        try
        {
            int matching = 0;
            string? refused = null;
            for (nint i = 0; i < count; i++)
            {
                if (LibUsb.GetDeviceDescriptor(list[i], out LibUsb.DeviceDescriptor d) != 0 || d.VendorId != uri.VendorId || d.ProductId != uri.ProductId)
                {
                    continue;
                }

                matching++;
                int rc = LibUsb.Open(list[i], out IntPtr handle);
                if (rc != 0)
                {
                    refused = rc == LibUsb.ErrorAccess
                        ? $"device {uri} is attached, but this user may not open it (permission denied): install the udev rule `hil/udev/99-neurolink.rules` (see hil/README.md) and replug it, or add yourself to the group it names"
                        : $"device {uri} is attached but could not be opened ({LibUsb.NameOf(rc)})";
                    continue;
                }

                if (uri.SerialNumber is null || SerialOf(handle, d.SerialNumber) == uri.SerialNumber)
                {
                    return handle;
                }

                LibUsb.Close(handle);
            }

            throw new TransportException(refused
                ?? (matching > 0
                    ? $"device {uri} not found: {matching} device(s) with that id are attached, none with serial number {uri.SerialNumber}; `neurolink devices` lists them"
                    : $"device {uri} not found: no USB device with that id is attached; `neurolink devices` lists what is"));
        }
        finally
        {
            LibUsb.FreeDeviceList(list, 1);
        }
    }

    private static string? SerialOf(IntPtr handle, byte index)
    {
        if (index == 0)
        {
            return null;
        }

        byte* text = stackalloc byte[256];
        int n = LibUsb.GetStringDescriptorAscii(handle, index, text, 256);
        return n > 0 ? System.Text.Encoding.ASCII.GetString(text, n) : null;
    }

    private void HandleEvents()
    {
        LibUsb.TimeVal tv = new() { Seconds = new CLong(0), Microseconds = new CLong(100_000) };
        while (!_stopEvents || _ring.InFlight > 0)
        {
            // Completions run their callbacks here, on this thread.
            int rc = LibUsb.HandleEventsTimeoutCompleted(_context.DangerousGetHandle(), &tv, null);
            if (rc != 0 && rc != LibUsb.ErrorInterrupted && rc != LibUsb.ErrorTimeout && _stopEvents)
            {
                return;
            }
        }
    }

    private readonly record struct UsbOptions(int Interface, byte InEndpoint, byte OutEndpoint, int Transfers, int TransferSize)
    {
        public static UsbOptions Parse(DeviceUri uri)
        {
            var o = new UsbOptions(0, 0x81, 0x01, 16, 256 * 1024);
            foreach (string pair in uri.Query.Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = pair.IndexOf('=', StringComparison.Ordinal);
                string key = eq < 0 ? pair : pair[..eq];
                string value = eq < 0 ? "" : pair[(eq + 1)..];
                o = key switch
                {
                    "serial" => o,
                    "interface" => o with { Interface = Number(uri, key, value, 0, 255) },
                    "in" => o with { InEndpoint = (byte)Number(uri, key, value, 0x81, 0x8F) },
                    "out" => o with { OutEndpoint = (byte)Number(uri, key, value, 0x01, 0x0F) },
                    "transfers" => o with { Transfers = Number(uri, key, value, 2, 256) },
                    "transfer-size" => o with { TransferSize = Number(uri, key, value, 512, 16 << 20) / 512 * 512 },
                    _ => throw new TransportException($"device {uri}: USB option '{key}' is unknown; the options are serial, interface, in, out, transfers and transfer-size"),
                };
            }

            return o;
        }

        private static int Number(DeviceUri uri, string key, string value, int min, int max)
        {
            bool hex = value.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
            return int.TryParse(hex ? value[2..] : value, hex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max
                ? n
                : throw new TransportException($"device {uri}: USB option {key}='{value}' must be a number from {min} (0x{min:X}) to {max} (0x{max:X})");
        }
    }

    /// <summary>The libusb side of the ring: one libusb_transfer per slot, and the completion trampoline.</summary>
    private sealed class Backend(IntPtr handle, byte endpoint, int count) : IBulkInBackend, IDisposable
    {
        private readonly LibUsb.Transfer*[] _transfers = new LibUsb.Transfer*[count];
        private readonly GCHandle[] _slots = new GCHandle[count];

        public void Attach(BulkInRing ring)
        {
            for (int i = 0; i < _transfers.Length; i++)
            {
                _transfers[i] = LibUsb.AllocTransfer(0);
                if (_transfers[i] == null)
                {
                    throw new TransportException("libusb could not allocate a transfer (out of memory)");
                }

                _slots[i] = GCHandle.Alloc(new SlotRef(ring, i));
            }
        }

        public int Submit(int index, byte* buffer, int length)
        {
            // libusb_fill_bulk_transfer is an inline function in libusb.h: the same, field by field.
            LibUsb.Transfer* t = _transfers[index];
            t->DeviceHandle = handle;
            t->Endpoint = endpoint;
            t->Type = LibUsb.TransferTypeBulk;
            t->Timeout = 0;
            t->Buffer = buffer;
            t->Length = length;
            t->UserData = GCHandle.ToIntPtr(_slots[index]);
            t->Callback = (IntPtr)(delegate* unmanaged[Cdecl]<LibUsb.Transfer*, void>)&OnTransfer;
            return LibUsb.SubmitTransfer(t);
        }

        // NOT_FOUND means it already completed: its callback comes (or came) anyway.
        public void Cancel(int index) => _ = LibUsb.CancelTransfer(_transfers[index]);

        public int ClearHalt() => LibUsb.ClearHalt(handle, endpoint);

        public void Dispose()
        {
            for (int i = 0; i < _transfers.Length; i++)
            {
                if (_transfers[i] != null)
                {
                    LibUsb.FreeTransfer(_transfers[i]);
                    _transfers[i] = null;
                }

                if (_slots[i].IsAllocated)
                {
                    _slots[i].Free();
                }
            }
        }

        [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
        private static void OnTransfer(LibUsb.Transfer* transfer)
        {
            // An exception must never cross into libusb: it would take the process down.
            try
            {
                if (GCHandle.FromIntPtr(transfer->UserData).Target is SlotRef slot)
                {
                    slot.Ring.OnCompleted(slot.Index, (UsbTransferStatus)transfer->Status, transfer->ActualLength);
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Nothing sensible to do on the event thread; the reader sees the transfer never come back.
            }
        }
    }

    private sealed record class SlotRef(BulkInRing Ring, int Index);
}
