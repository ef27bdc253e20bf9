using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Neurolink.Emulator.Cli;
using Neurolink.Host;

namespace Neurolink.Cli;

/// <summary><c>neurolink emulate</c> and <c>neurolink check-config</c>.</summary>
public static class ServiceCommands
{
    /// <summary>
    /// <c>neurolink emulate --listen tcp://127.0.0.1:7300</c> or <c>--pty</c>: the emulator as a
    /// server, the same command (options and code) as <c>neurolink-emulator</c>.
    /// </summary>
    public static Command Emulate()
    {
        RootCommand emulator = EmulatorCommands.Build();
        var emulate = new Command("emulate", "Serve an emulated headstage (with simulated tissue) over TCP or a pseudo-terminal: the same as neurolink-emulator");
        foreach (Option option in emulator.Options)
        {
            if (option.Name is not ("--help" or "--version" or "-h" or "-?"))
            {
                emulate.Options.Add(option);
            }
        }

        emulate.Action = emulator.Action;
        return emulate;
    }

    /// <summary><c>neurolink check-config FILE</c>: checks a settings file without starting anything.</summary>
    public static Command CheckConfig()
    {
        var file = new Argument<FileInfo>("file") { Description = "The settings file (appsettings.json layout, section \"Neurolink\")" };
        var command = new Command("check-config", "Check a settings file: every bad field is listed with what is allowed; nothing is started") { file };
        command.SetAction(result =>
        {
            FileInfo f = result.GetValue(file)!;
            if (!f.Exists)
            {
                return Program.Fail($"{f.FullName}: no such file; give the path of a settings file");
            }

            IConfigurationRoot configuration;
            try
            {
                configuration = new ConfigurationBuilder().AddJsonFile(f.FullName, optional: false, reloadOnChange: false).Build();
            }
            catch (InvalidDataException e)
            {
                return Program.Fail($"{f.FullName} is not valid JSON: {e.InnerException?.Message ?? e.Message}");
            }

            if (!configuration.GetSection(NeurolinkOptions.Section).Exists())
            {
                return Program.Fail($"{f.FullName} has no \"{NeurolinkOptions.Section}\" section: the settings go under {{ \"{NeurolinkOptions.Section}\": {{ \"Device\": ..., ... }} }}");
            }

            (NeurolinkOptions options, IReadOnlyList<string> problems) = NeurolinkConfig.Read(configuration);
            if (problems.Count > 0)
            {
                return Program.Fail(new NeurolinkConfigException(problems).Message);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{f.FullName}: valid. Device {options.Device}, network {(string.IsNullOrWhiteSpace(options.Network) ? $"built in ({options.Neurons} neurons, dt {options.DtMs} ms)" : options.Network)}, backend {options.Backend}, stimulation {(options.Stimulation.Enabled ? $"{options.Stimulation.Programs} programs of {options.Stimulation.AmplitudeUa} uA" : "off")}"));
            return 0;
        });
        return command;
    }
}
