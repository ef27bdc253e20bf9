namespace Neurolink.Recording.Tests;

/// <summary>The recorder's writeback: chunks go to the disk as they are written and leave the cache, and the file is whole.</summary>
public class StreamingWritebackTests
{
    [Fact]
    public void A_file_written_in_pieces_is_whole_and_all_but_its_last_chunks_are_retired()
    {
        string path = Path.Combine(Path.GetTempPath(), "neurolink-writeback-" + Guid.NewGuid().ToString("N"));
        try
        {
            var piece = new byte[1_000_003]; // not a divisor of the chunk: boundaries fall mid-write
            long total = 0;
            var writeback = default(StreamingWriteback);
            using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 20))
            {
                writeback = new StreamingWriteback(file);
                for (int i = 0; i < 60; i++)
                {
                    piece.AsSpan().Fill((byte)i);
                    file.Write(piece);
                    total += piece.Length;
                    writeback.Written();
                }
            }

            // 60 MB written: three whole 16 MiB chunks handed to the disk, the first two waited for and dropped
            // (on Linux, where the file system takes sync_file_range; elsewhere nothing is done).
            Assert.Equal(writeback.Active ? 2 * StreamingWriteback.ChunkBytes : 0, writeback.DroppedBytes);

            byte[] back = File.ReadAllBytes(path);
            Assert.Equal(total, back.Length);
            for (int i = 0; i < 60; i++)
            {
                Assert.True(back.AsSpan(i * piece.Length, piece.Length).IndexOfAnyExcept((byte)i) < 0, $"piece {i} differs");
            }
        }
        finally
        {
            File.Delete(path);
        }
    }
}
