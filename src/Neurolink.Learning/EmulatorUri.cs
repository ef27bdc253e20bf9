using Neurolink.Transport;

namespace Neurolink.Learning;

/// <summary>Settings a task gives the built-in emulator through its device URI, unless the URI already says.</summary>
internal static class EmulatorUri
{
    /// <summary>
    /// <paramref name="device"/> with <c>key=value</c> added when it is an emu:// URI whose query
    /// has none of <paramref name="key"/> and <paramref name="covering"/> (keys that settle it too).
    /// </summary>
    public static string WithDefault(string device, string key, string value, params string[] covering)
    {
        ArgumentNullException.ThrowIfNull(device);
        DeviceUri uri = DeviceUri.Parse(device);
        // A key counts as given with or without a value ("seed=3", "seed").
        if (uri.Kind != DeviceKind.Emulator || uri.Query.Split('&').Select(p => p.Split('=', 2)[0]).Any(name => name == key || covering.Contains(name)))
        {
            return uri.Text;
        }

        return uri.Text + (uri.Query.Length == 0 && !uri.Text.Contains('?', StringComparison.Ordinal) ? "?" : "&") + key + "=" + value;
    }
}
