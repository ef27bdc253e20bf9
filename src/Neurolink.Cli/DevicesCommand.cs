using System.CommandLine;
using System.IO.Ports;
using Neurolink.Transport;
using Neurolink.Transport.Usb;

namespace Neurolink.Cli;

/// <summary><c>neurolink devices</c>: what could be a headstage on this machine, as device URIs.</summary>
public static class DevicesCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Build()
    {
        var devices = new Command("devices", "List the built-in emulator, serial ports and USB devices, as device URIs");
        devices.SetAction(_ =>
        {
            Console.WriteLine("emu://?channels=1024\tthe built-in emulator (always present)");
            foreach (string port in SerialPort.GetPortNames().Order())
            {
                Console.WriteLine($"serial://{port}\tserial port (not probed; `neurolink probe serial://{port}` says whether a headstage answers)");
            }

            try
            {
                foreach (UsbDeviceInfo usb in UsbBus.Enumerate())
                {
                    Console.WriteLine($"{usb.Uri}\tUSB device on bus {usb.Bus}, address {usb.Address} (not probed)");
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
}
