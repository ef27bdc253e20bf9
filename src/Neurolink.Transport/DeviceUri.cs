using System.Globalization;

namespace Neurolink.Transport;

/// <summary>The kinds of device a URI can name.</summary>
public enum DeviceKind
{
    /// <summary>usb://VID:PID?serial=S</summary>
    Usb,
    /// <summary>serial:///dev/ttyACM0?baud=3000000</summary>
    Serial,
    /// <summary>tcp://127.0.0.1:7300</summary>
    Tcp,
    /// <summary>emu://?channels=1024&amp;seed=7 (the built-in emulator)</summary>
    Emulator,
    /// <summary>file://run1/ (replay of a recording)</summary>
    File,
}

/// <summary>
/// One string that names a device everywhere (CLI, configuration, rig scripts), parsed once,
/// with errors that say what was wrong and what a valid one looks like.
/// </summary>
public sealed record class DeviceUri
{
    private DeviceUri(DeviceKind kind, string text)
    {
        Kind = kind;
        Text = text;
    }

    /// <summary>The kind of device.</summary>
    public DeviceKind Kind { get; }

    /// <summary>The URI as written.</summary>
    public string Text { get; }

    /// <summary>USB vendor id.</summary>
    public ushort VendorId { get; private init; }

    /// <summary>USB product id.</summary>
    public ushort ProductId { get; private init; }

    /// <summary>USB serial number to pick one of several devices, or null for the first.</summary>
    public string? SerialNumber { get; private init; }

    /// <summary>Serial device path, or the file path for replay.</summary>
    public string? Path { get; private init; }

    /// <summary>Serial baud rate, bits per second.</summary>
    public int BaudRate { get; private init; } = 3_000_000;

    /// <summary>TCP host.</summary>
    public string? Host { get; private init; }

    /// <summary>TCP port.</summary>
    public int Port { get; private init; }

    /// <summary>The query string without '?', for the emulator's settings.</summary>
    public string Query { get; private init; } = "";

    /// <inheritdoc/>
    public override string ToString() => Text;

    /// <summary>Parses a device URI.</summary>
    /// <exception cref="FormatException">What is wrong, and an example of a valid URI of that kind.</exception>
    public static DeviceUri Parse(string text) =>
        TryParse(text, out DeviceUri? uri, out string? error) ? uri! : throw new FormatException(error);

    /// <summary>Parses a device URI; false with a message that says what is wrong.</summary>
    public static bool TryParse(string? text, out DeviceUri? uri, out string? error)
    {
        uri = null;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "no device URI given; examples: emu://?channels=1024, serial:///dev/ttyACM0, usb://04b4:00f1, tcp://127.0.0.1:7300, file://run1/";
            return false;
        }

        int schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        string scheme = schemeEnd < 0 ? "" : text[..schemeEnd];
        string rest = schemeEnd < 0 ? text : text[(schemeEnd + 3)..];
        int q = rest.IndexOf('?', StringComparison.Ordinal);
        string body = q < 0 ? rest : rest[..q];
        string query = q < 0 ? "" : rest[(q + 1)..];
        Dictionary<string, string> parameters = ParseQuery(query);

        switch (scheme)
        {
            case "emu":
                uri = new DeviceUri(DeviceKind.Emulator, text) { Query = query };
                return true;
            case "file":
                if (body.Length == 0)
                {
                    error = $"'{text}' names no recording; write file://PATH, for example file://run1/";
                    return false;
                }

                uri = new DeviceUri(DeviceKind.File, text) { Path = body, Query = query };
                return true;
            case "serial":
                if (body.Length == 0)
                {
                    error = $"'{text}' names no serial port; write serial:///dev/ttyACM0 (Linux) or serial://COM3 (Windows)";
                    return false;
                }

                int baud = 3_000_000;
                if (parameters.TryGetValue("baud", out string? b) && (!int.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out baud) || baud <= 0))
                {
                    error = $"baud '{b}' in '{text}' is not a positive whole number of bits per second, such as 3000000";
                    return false;
                }

                uri = new DeviceUri(DeviceKind.Serial, text) { Path = body, BaudRate = baud };
                return true;
            case "usb":
                string[] ids = body.Split(':');
                if (ids.Length != 2 || !TryHex(ids[0], out ushort vid) || !TryHex(ids[1], out ushort pid))
                {
                    error = $"'{text}' is not a USB device URI: write usb://VID:PID with 4-digit hexadecimal ids, for example usb://04b4:00f1?serial=NL0001";
                    return false;
                }

                uri = new DeviceUri(DeviceKind.Usb, text) { VendorId = vid, ProductId = pid, SerialNumber = parameters.GetValueOrDefault("serial"), Query = query };
                return true;
            case "tcp":
                int colon = body.LastIndexOf(':');
                if (colon <= 0 || !int.TryParse(body[(colon + 1)..].TrimEnd('/'), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
                {
                    error = $"'{text}' is not a TCP device URI: write tcp://HOST:PORT with a port from 1 to 65535, for example tcp://127.0.0.1:7300";
                    return false;
                }

                uri = new DeviceUri(DeviceKind.Tcp, text) { Host = body[..colon].Trim('[', ']'), Port = port };
                return true;
            default:
                error = $"'{text}' has no known scheme; a device URI starts with emu://, serial://, usb://, tcp:// or file://";
                return false;
        }
    }

    private static bool TryHex(string s, out ushort value) =>
        ushort.TryParse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value) && s.Length == 4;

    private static Dictionary<string, string> ParseQuery(string query)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            result[eq < 0 ? pair : pair[..eq]] = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
        }

        return result;
    }
}
