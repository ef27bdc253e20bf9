using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Neurolink.Host.Tests;

/// <summary>The neurolink command as a real child process (dotnet neurolink.dll ...), its output captured.</summary>
internal sealed partial class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _out = new(), _err = new();
    private readonly object _gate = new();

    public CliProcess(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Path.GetTempPath() };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "neurolink.dll"));
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Append(_out, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_err, e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output { get { lock (_gate) { return _out.ToString(); } } }

    public string Errors { get { lock (_gate) { return _err.ToString(); } } }

    public int Id => _process.Id;

    /// <summary>Waits until standard error has a line containing <paramref name="text"/>.</summary>
    public bool WaitForError(string text, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (Errors.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }

            if (_process.HasExited)
            {
                _process.WaitForExit();
                return Errors.Contains(text, StringComparison.Ordinal);
            }

            Thread.Sleep(20);
        }

        return false;
    }

    /// <summary>Waits for the exit; returns the exit code (the process is killed, and the test fails, on timeout).</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"neurolink did not exit within {timeout.TotalSeconds} s; stderr:\n{Errors}\nstdout:\n{Output}");
        }

        _process.WaitForExit(); // the output is read to the end
        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM, as systemd or kill does.</summary>
    public void Terminate() => Assert.Equal(0, Kill(_process.Id, 15));

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    private void Append(StringBuilder to, string? line)
    {
        if (line is not null)
        {
            lock (_gate)
            {
                to.AppendLine(line);
            }
        }
    }
}
