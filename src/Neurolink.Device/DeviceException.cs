using Neurolink.Protocol.Payloads;

namespace Neurolink.Device;

/// <summary>The device refused or did not answer a request; the message says what and why.</summary>
public class DeviceException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DeviceException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public DeviceException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public DeviceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A register read or write, START or STOP, refused with a NACK (SPEC 4.6).</summary>
public sealed class RegisterRefusedException : DeviceException
{
    /// <summary>Creates the exception.</summary>
    public RegisterRefusedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public RegisterRefusedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public RegisterRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a NACK.</summary>
    public RegisterRefusedException(string message, RegisterError error)
        : base(message) => Error = error;

    /// <summary>The device's error code.</summary>
    public RegisterError Error { get; }
}

/// <summary>A stimulation request refused, by the host's own check or by the device (SPEC section 8).</summary>
public sealed class StimulationRefusedException : DeviceException
{
    /// <summary>Creates the exception.</summary>
    public StimulationRefusedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public StimulationRefusedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public StimulationRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a refusal.</summary>
    public StimulationRefusedException(string message, StimRefusal reason, bool byDevice)
        : base(message)
    {
        Reason = reason;
        ByDevice = byDevice;
    }

    /// <summary>Why.</summary>
    public StimRefusal Reason { get; }

    /// <summary>True when the device refused it; false when the host's check did, and nothing was sent.</summary>
    public bool ByDevice { get; }
}
