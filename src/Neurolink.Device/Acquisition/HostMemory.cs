using System.Runtime.InteropServices;

namespace Neurolink.Device.Acquisition;

/// <summary>
/// A block of host memory that never moves, for the acquisition ring. The default is aligned
/// native memory; a GPU backend supplies page-locked memory of its own (registered with the GPU
/// driver), so that its kernels read frames from the ring by DMA.
/// </summary>
public abstract unsafe class HostMemory : IDisposable
{
    /// <summary>Start of the block, aligned to at least 4096 bytes.</summary>
    public abstract byte* Start { get; }

    /// <summary>Length in bytes.</summary>
    public abstract long Length { get; }

    /// <summary>True when the block is page-locked and registered for device DMA.</summary>
    public abstract bool PageLocked { get; }

    /// <summary>Frees the block.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the block.</summary>
    protected abstract void Dispose(bool disposing);
}

/// <summary>Allocates the memory of an acquisition ring.</summary>
/// <param name="bytes">Bytes wanted, a power of two.</param>
public delegate HostMemory HostMemoryAllocator(long bytes);

/// <summary>Page-aligned native memory (not page-locked): the default when no GPU backend is attached.</summary>
public sealed unsafe class NativeHostMemory : HostMemory
{
    private byte* _pointer;

    /// <summary>Allocates <paramref name="bytes"/> bytes aligned to 4096.</summary>
    public NativeHostMemory(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        _pointer = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, 4096);
        Length = bytes;

        // Touch every page now: a page fault in the middle of acquisition is a latency spike.
        NativeMemory.Clear(_pointer, (nuint)bytes);
        GC.AddMemoryPressure(bytes);
    }

    /// <summary>Frees the block if <see cref="Dispose(bool)"/> was not called.</summary>
    ~NativeHostMemory() => Dispose(false);

    /// <inheritdoc/>
    public override byte* Start => _pointer != null ? _pointer : throw new ObjectDisposedException(nameof(NativeHostMemory));

    /// <inheritdoc/>
    public override long Length { get; }

    /// <inheritdoc/>
    public override bool PageLocked => false;

    /// <summary>The default allocator.</summary>
    public static HostMemory Allocate(long bytes) => new NativeHostMemory(bytes);

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (_pointer != null)
        {
            NativeMemory.AlignedFree(_pointer);
            _pointer = null;
            GC.RemoveMemoryPressure(Length);
        }
    }
}
