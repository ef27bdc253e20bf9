namespace Neurolink.Transport;

/// <summary>
/// A bidirectional byte link to a headstage: USB, serial, TCP, or the emulator in process.
/// Reads block (on the caller's dedicated reader thread) and are cancellable; one reader and
/// one writer may use it at the same time.
/// </summary>
public interface ITransport : IDisposable
{
    /// <summary>The device URI this link reaches, for messages.</summary>
    string Uri { get; }

    /// <summary>
    /// Reads at least one byte into <paramref name="destination"/>, waiting until some arrive.
    /// Returns 0 when the other end has closed the link and every byte has been read.
    /// </summary>
    /// <exception cref="OperationCanceledException">The token was cancelled while waiting.</exception>
    int Read(Span<byte> destination, CancellationToken cancellationToken);

    /// <summary>Writes all of <paramref name="source"/>, waiting while the link is full.</summary>
    /// <exception cref="TransportClosedException">The link was closed.</exception>
    void Write(ReadOnlySpan<byte> source, CancellationToken cancellationToken);
}
