using System.Buffers.Binary;

namespace Neurolink.Protocol.Payloads;

/// <summary>STIM_DISARM (SPEC 4.14): clear one program slot, or all, and stop its train.</summary>
/// <param name="ProgramId">The slot, or <see cref="All"/>.</param>
public readonly record struct StimDisarm(ushort ProgramId) : IFramePayload
{
    /// <summary>Payload size in bytes.</summary>
    public const int Size = 8;

    /// <summary>The program id that means every slot.</summary>
    public const ushort All = 0xFFFF;

    /// <inheritdoc/>
    public static FrameType Type => FrameType.StimDisarm;

    /// <inheritdoc/>
    public int PayloadLength => Size;

    /// <inheritdoc/>
    public void Write(Span<byte> destination)
    {
        destination[..Size].Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(destination, ProgramId);
    }

    /// <summary>Decodes a STIM_DISARM payload; false with a reason when it is malformed.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out StimDisarm value, out string? error)
    {
        value = default;
        if (payload.Length < Size)
        {
            error = PayloadError.TooShort(Type, Size, payload.Length);
            return false;
        }

        value = new StimDisarm(BinaryPrimitives.ReadUInt16LittleEndian(payload));
        error = null;
        return true;
    }

    /// <summary>The canonical field text used by the test vectors (SPEC section 11).</summary>
    public string ToFieldText() => $"program_id={ProgramId}";
}
