namespace Neurolink.Transport;

/// <summary>A device could not be opened or reached; the message says why and what to do.</summary>
public sealed class TransportException : IOException
{
    /// <summary>Creates the exception.</summary>
    public TransportException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public TransportException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public TransportException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
