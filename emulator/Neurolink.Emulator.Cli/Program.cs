using Neurolink.Emulator.Cli;

return await EmulatorCommands.Build().Parse(args).InvokeAsync();
