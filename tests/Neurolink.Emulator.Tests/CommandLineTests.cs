using System.Diagnostics;
using System.Net.Sockets;
using Neurolink.Emulator.Cli;

namespace Neurolink.Emulator.Tests;

/// <summary>The neurolink-emulator command as users run it: a separate process.</summary>
public class CommandLineTests
{
    private static Process Start(string arguments)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "neurolink-emulator.dll");
        var info = new ProcessStartInfo("dotnet", $"\"{dll}\" {arguments}") { RedirectStandardOutput = true, RedirectStandardError = true };
        return Process.Start(info)!;
    }

    [Fact]
    public async Task Listen_prints_its_uri_and_serves_a_host_over_tcp()
    {
        using Process emulator = Start("--listen tcp://127.0.0.1:0 --channels 16 --neurons 200 --clock virtual");
        try
        {
            string? uri = await emulator.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20));
            Assert.True(uri is not null, "the emulator exited without printing its URI");
            Assert.True(EmulatorCommands.TryParseTcp(uri, out var endpoint, out string? problem), problem);
            var client = new TcpClient();
            client.Connect(endpoint!);
            using var session = new HostSession(new StreamTransport(client.GetStream(), uri, client));
            Assert.Equal(16u, session.Hello().ChannelCount);
        }
        finally
        {
            emulator.Kill(entireProcessTree: true);
            await emulator.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    [Theory]
    [InlineData("--listen http://x", "has no known scheme")]
    [InlineData("--faults nonsense:1", "fault kind 'nonsense' is unknown")]
    [InlineData("--listen tcp://127.0.0.1:7 --pty", "choose one of --listen and --pty")]
    [InlineData("bench --mode raw --seconds -1", "--seconds -1 is out of range")]
    public void Bad_arguments_get_a_clear_error_and_a_non_zero_exit(string arguments, string expected)
    {
        using Process emulator = Start(arguments);
        string error = emulator.StandardError.ReadToEnd();
        emulator.WaitForExit();
        Assert.NotEqual(0, emulator.ExitCode);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
