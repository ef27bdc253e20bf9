namespace Neurolink.Protocol.Payloads;

/// <summary>Messages for payloads that do not match their type's layout (SPEC section 4: malformed).</summary>
internal static class PayloadError
{
    public static string TooShort(FrameType type, int needed, int actual) =>
        $"{FrameTypes.Name((byte)type)} payload is {actual} bytes but its layout needs at least {needed}; the sender does not follow SPEC v1 section 4";

    public static string Mismatch(FrameType type, string what, int needed, int actual) =>
        $"{FrameTypes.Name((byte)type)} payload is {actual} bytes but {what} needs {needed}; the sender does not follow SPEC v1 section 4";
}
