using System.Runtime.InteropServices;

namespace Neurolink.Recording;

/// <summary>
/// Keeps a file written at a high, steady rate from piling up in the page cache (Linux): every
/// <see cref="ChunkBytes"/>, the chunk just written is handed to the disk at once
/// (<c>sync_file_range</c>, WRITE), the one before it is waited for and dropped from the cache
/// (<c>posix_fadvise</c>, DONTNEED). Without it, a 184 MB/s recording left gigabytes of unwritten
/// pages behind it and lost about half a second of data in one burst 22 s in, the writer held up
/// in the kernel (its limit on unwritten pages, as far as we can tell) for longer than the ring
/// holds. With it, the writer waits at most for one chunk's writeback, and the recording does not
/// push everything else out of the cache. Elsewhere, and when the calls fail (a file system
/// without them), it does nothing.
/// </summary>
internal sealed partial class StreamingWriteback(FileStream file)
{
    /// <summary>Bytes handed to the disk at a time.</summary>
    public const long ChunkBytes = 16 << 20;

    private const uint WaitBefore = 1, Write = 2, WaitAfter = 4;
    private const int DontNeed = 4;

    private readonly bool _enabled = OperatingSystem.IsLinux();
    private long _started;   // bytes handed to the disk
    private long _done;      // bytes written out and dropped from the cache
    private bool _failed;

    /// <summary>False where the OS or the file system has no such calls: the writes then go on without them.</summary>
    public bool Active => _enabled && !_failed;

    /// <summary>Bytes written out and dropped from the cache so far.</summary>
    public long DroppedBytes => _done;

    /// <summary>Call after writing to the file: starts the writeback of every whole chunk written since, and retires the one before.</summary>
    public void Written()
    {
        if (!_enabled || _failed)
        {
            return;
        }

        long written = file.Position;
        if (written - _started < ChunkBytes)
        {
            return;
        }

        file.Flush(); // the chunk's bytes into the kernel first
        int fd = (int)file.SafeFileHandle.DangerousGetHandle();
        long start = _started, length = (written - _started) / ChunkBytes * ChunkBytes;
        if (sync_file_range(fd, start, length, Write) != 0)
        {
            _failed = true;
            return;
        }

        _started = start + length;

        // What was started a chunk ago has had the time to reach the disk: wait for the rest of it, then drop it.
        long retire = _started - ChunkBytes - _done;
        if (retire > 0)
        {
            if (sync_file_range(fd, _done, retire, WaitBefore | Write | WaitAfter) != 0)
            {
                _failed = true;
                return;
            }

            _ = posix_fadvise(fd, _done, retire, DontNeed);
            _done += retire;
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sync_file_range(int fd, long offset, long nbytes, uint flags);

    [LibraryImport("libc")]
    private static partial int posix_fadvise(int fd, long offset, long length, int advice);
}
