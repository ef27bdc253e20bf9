namespace Neurolink.Mass;

/// <summary>A network description with problems: every one is listed, each with the field it concerns.</summary>
public sealed class NetworkSpecException : Exception
{
    /// <summary>Creates the exception from the problems found.</summary>
    public NetworkSpecException(IReadOnlyList<string> problems)
        : base("the network description is invalid:\n  " + string.Join("\n  ", problems)) => Problems = problems;

    /// <summary>Creates the exception.</summary>
    public NetworkSpecException()
        : this(["unknown problem"])
    {
    }

    /// <summary>Creates the exception.</summary>
    public NetworkSpecException(string message)
        : this([message])
    {
    }

    /// <summary>Creates the exception.</summary>
    public NetworkSpecException(string message, Exception innerException)
        : base(message, innerException) => Problems = [message];

    /// <summary>Each problem: "field: what is wrong".</summary>
    public IReadOnlyList<string> Problems { get; }
}
