using System.Runtime.InteropServices;

namespace Neurolink.Protocol;

/// <summary>
/// A fixed, 64-byte-aligned block of native memory that never moves, so frames in it stay
/// aligned and can later be handed to native code or a GPU without pinning.
/// </summary>
internal sealed unsafe class NativeBuffer : SafeHandle
{
    public NativeBuffer(int length)
        : base(IntPtr.Zero, ownsHandle: true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        SetHandle((IntPtr)NativeMemory.AlignedAlloc((nuint)length, 64));
        Length = length;
    }

    public int Length { get; }

    public override bool IsInvalid => handle == IntPtr.Zero;

    public byte* Pointer => (byte*)handle;

    public Span<byte> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsClosed, this);
            return new Span<byte>((void*)handle, Length);
        }
    }

    protected override bool ReleaseHandle()
    {
        NativeMemory.AlignedFree((void*)handle);
        return true;
    }
}
