using System.CommandLine;
using System.IO.Ports;
using Neurolink.Device;
using Neurolink.Protocol.Payloads;
using Neurolink.Transport;
using Neurolink.Transport.Usb;

namespace Neurolink.Cli;

/// <summary><c>neurolink devices</c>: what could be a headstage on this machine, as device URIs.</summary>
public static class DevicesCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Build()
    {
        var probe = new Option<bool>("--probe")
        {
            Description = "Say HELLO to every serial port and every USB device no kernel driver holds, and show those that answer as headstages " +
                          "(off by default: it writes to ports whose devices may not be headstages)",
        };
        var devices = new Command("devices", "List the built-in emulator, serial ports and USB devices, as device URIs") { probe };
        devices.SetAction(result =>
        {
            bool ask = result.GetValue(probe);
            Console.WriteLine("emu://?channels=1024\tthe built-in emulator (always present)");
            foreach (string port in SerialPort.GetPortNames().Order())
            {
                string uri = $"serial://{port}";
                Console.WriteLine($"{uri}\tserial port, {(ask ? Hello(uri, DeviceUri.Parse(uri)) : $"not probed (`neurolink devices --probe` or `neurolink probe {uri}`)")}");
            }

            try
            {
                foreach (UsbDeviceInfo usb in UsbBus.Enumerate())
                {
                    string what = ask ? Hello(usb.Uri, DeviceUri.Parse(usb.Uri), detach: false) : "not probed";
                    Console.WriteLine($"{usb.Uri}\tUSB device on bus {usb.Bus}, address {usb.Address}, {what}");
                }
            }
            catch (TransportException e)
            {
                Console.Error.WriteLine("neurolink: USB devices not listed: " + e.Message);
            }

            return 0;
        });
        return devices;
    }

    /// <summary>Opens a device briefly and says HELLO once; what answered, or why nothing did.</summary>
    private static string Hello(string uri, DeviceUri device, bool detach = true)
    {
        try
        {
            ITransport transport = device.Kind == DeviceKind.Usb ? UsbTransport.Open(device, detach) : SerialTransport.Open(device);
            using var driver = new HeadstageDriver(transport, new HeadstageDriverOptions { RequestTimeout = TimeSpan.FromMilliseconds(300), Retries = 0 });
            Capabilities caps = driver.Connect();
            return $"a headstage: serial number {caps.SerialNumber}, {caps.ChannelCount} channels, firmware {caps.FirmwareVersion} (`neurolink probe {uri}`)";
        }
        catch (Exception e) when (e is TransportException or TransportClosedException or DeviceException)
        {
            return "no headstage answered (" + e.Message + ")";
        }
    }
}
