using System.CommandLine;

namespace Neurolink.Cli;

/// <summary>The <c>neurolink</c> command.</summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("neurolink: electrode headstages in closed loop with a simulated neural mass")
        {
            RunCommand.Build(),
            ServiceCommands.Emulate(),
            ServiceCommands.CheckConfig(),
            RecordCommand.Build(),
            Hil.HilCommand.Build(),
            DevicesCommand.Build(),
            ProbeCommand.Build(),
            BenchCommand.Build(),
            LearnCommand.Build(),
        };
        return await root.Parse(args).InvokeAsync();
    }

    /// <summary>Prints a one-line error and returns the exit code for bad input.</summary>
    internal static int Fail(string message)
    {
        Console.Error.WriteLine("neurolink: " + message);
        return 2;
    }
}
