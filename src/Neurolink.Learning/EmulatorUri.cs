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
        if (uri.Kind != DeviceKind.Emulator || uri.Query.Split('&').Any(p => p.StartsWith(key + "=", StringComparison.Ordinal) || covering.Any(c => p.StartsWith(c + "=", StringComparison.Ordinal))))
        {
            return uri.Text;
        }

        return uri.Text + (uri.Query.Length == 0 && !uri.Text.Contains('?', StringComparison.Ordinal) ? "?" : "&") + key + "=" + value;
    }
}
