namespace Neurolink.Transport;

/// <summary>The link to the device is gone: unplugged, closed by the device, or disposed.</summary>
public sealed class TransportClosedException : IOException
{
    /// <summary>Creates the exception.</summary>
    public TransportClosedException()
        : base("the link to the device is closed")
    {
    }

    /// <summary>Creates the exception with a message that says which link and why.</summary>
    public TransportClosedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a cause.</summary>
    public TransportClosedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
