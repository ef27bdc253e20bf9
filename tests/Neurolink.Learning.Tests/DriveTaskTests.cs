using Xunit.Abstractions;

namespace Neurolink.Learning.Tests;

/// <summary>
/// The driving task through the whole stack and the closed loop (emulated headstage, in-process
/// link, driver, acquisition ring, loop, safety checks, stimulation), with the emulator in step
/// with the loop (<c>clock=lockstep</c>): 60 s of tissue in a few seconds, and the same run every
/// time for a seed.
/// </summary>
public sealed class DriveTaskTests(ITestOutputHelper output)
{
    private DriveResult Run(DriveOptions options, string tissue = "")
    {
        DriveResult r = new DriveTask(options with { Device = "emu://?channels=64&clock=lockstep" + tissue, Seconds = 60 }).Run();
        output.WriteLine($"reached {r.ReachedTargetAtSeconds} (first met {r.FirstMetSeconds}); raised x{r.RaiseRatio}, silenced x{r.SilenceRatio}; pulses {string.Join(' ', r.PulsesLastWindow)}; mean reward {string.Join(' ', r.MeanRewardByProgram)}; {r.StimSent} sent, {r.StimRefused} refused; {r.WallSeconds} s");
        Assert.Equal(60, r.SimulatedSeconds);
        Assert.Equal(0, r.LostFrames);
        Assert.Equal(0, r.PaceTimeouts); // in step throughout
        Assert.Equal(tissue.Length == 0, r.TissueWeightChange == 0); // moved only by a tissue with STDP of its own
        Assert.Equal(0, r.StimRefused);  // every pulse inside the safety limits
        return r;
    }

    private static double Share(DriveResult r, int program) => r.PulsesLastWindow[program] / (double)Math.Max(1, r.PulsesLastWindow.Sum());

    [Fact]
    public void The_mass_learns_to_drive_the_electrode_that_raises_the_target_and_to_leave_the_one_that_raises_the_silenced_group()
    {
        DriveResult r = Run(new DriveOptions { Seed = 1 });

        Assert.Equal([16], r.Raise);   // program 2's electrode
        Assert.Equal([40], r.Silence); // program 5's
        Assert.NotNull(r.ReachedTargetAtSeconds); // held from then to the end
        Assert.True(r.RaiseRatio >= 1.5 && r.SilenceRatio <= 1.2, $"x{r.RaiseRatio} / x{r.SilenceRatio}");
        Assert.True(Share(r, 2) >= 0.9, $"program 2 gave {Share(r, 2):P0} of the last window's pulses");
        Assert.Equal(0, r.PulsesLastWindow[5]);
        Assert.True(r.MeanRewardByProgram[2] > 0.5, "the rewards measured the right program"); // program 5 gave too few pulses for its mean to say much
    }

    [Fact]
    public void With_the_groups_swapped_the_same_mass_learns_the_other_electrode()
    {
        // The rewards steer, not a bias of the network or of the tissue: the program it drives follows the target.
        DriveResult r = Run(new DriveOptions { Seed = 3, Raise = [40], Silence = [16] });

        Assert.NotNull(r.ReachedTargetAtSeconds);
        Assert.True(Share(r, 5) >= 0.9, $"program 5 gave {Share(r, 5):P0} of the last window's pulses");
        Assert.Equal(0, r.PulsesLastWindow[2]);
    }

    [Fact]
    public void With_the_rewards_shuffled_it_does_not_find_the_electrode_the_swapped_task_found()
    {
        // The control of the swapped task above, on the same tissue: program 5 is not among the
        // busiest output neurons' programs there, so nothing but the rewards could make it win.
        DriveResult r = Run(new DriveOptions { Seed = 3, Raise = [40], Silence = [16], Shuffled = true });

        Assert.Null(r.ReachedTargetAtSeconds);
        Assert.True(Share(r, 5) < 0.5, $"program 5 gave {Share(r, 5):P0} of the last window's pulses");
    }

    [Fact]
    public void On_a_tissue_that_keeps_changing_itself_the_mass_still_learns_the_electrode()
    {
        // The tissue's own STDP at thirty times its default rate: its excitatory weights move about
        // about 0.75 from their start (bounds 0 and 3) within the minute, under the mass's stimulation.
        DriveResult r = Run(new DriveOptions { Seed = 1 }, "&stdp-rate=30");
        output.WriteLine($"the tissue's weights moved {r.TissueWeightChange} from 1 on average");

        Assert.True(r.TissueWeightChange > 0.2, $"the tissue's weights moved only {r.TissueWeightChange}");
        Assert.NotNull(r.ReachedTargetAtSeconds);
        Assert.True(Share(r, 2) >= 0.9, $"program 2 gave {Share(r, 2):P0} of the last window's pulses");
    }

    [Fact]
    public void With_the_rewards_shuffled_it_does_not_find_the_electrode()
    {
        DriveResult r = Run(new DriveOptions { Seed = 1, Shuffled = true });

        Assert.True(r.Shuffled);
        Assert.Null(r.ReachedTargetAtSeconds);
        Assert.True(r.RaiseRatio < 1.5, $"x{r.RaiseRatio}");
        Assert.True(Share(r, 2) < 0.5, $"program 2 gave {Share(r, 2):P0} of the last window's pulses");
        Assert.True(r.MeanRewardByProgram[2] > 0.5, "the rewards were measured as in the task, then given to other pulses");
    }

    [Fact]
    public void The_gpu_kernels_learn_the_same_as_the_cpu_backend()
    {
        // The GPU backend's kernels on ILGPU's CPU accelerator (slow: 20 s of tissue, about half a minute here).
        var options = new DriveOptions { Device = "emu://?channels=64&clock=lockstep", Seconds = 20, Seed = 1 };
        DriveResult cpu = new DriveTask(options).Run();
        DriveResult gpu = new DriveTask(options with { Backend = "ilgpu-cpu" }).Run();
        output.WriteLine($"cpu: pulses {string.Join(' ', cpu.PulsesLastWindow)}, x{cpu.RaiseRatio}; gpu kernels: pulses {string.Join(' ', gpu.PulsesLastWindow)}, x{gpu.RaiseRatio}; {gpu.WallSeconds} s");

        Assert.Equal(0, gpu.PaceTimeouts);
        Assert.True(Share(gpu, 2) >= 0.9, $"program 2 gave {Share(gpu, 2):P0} of the last window's pulses");
        Assert.Equal(cpu.PulsesLastWindow, gpu.PulsesLastWindow);
        Assert.Equal(cpu.StimSent, gpu.StimSent);
        Assert.Equal(cpu.RaiseRatio, gpu.RaiseRatio, 2);
    }

    [Theory]
    [InlineData("emu://", "emu://?seed=7")]
    [InlineData("emu://?channels=64&clock=lockstep", "emu://?channels=64&clock=lockstep&seed=7")]
    [InlineData("emu://?seed=2", "emu://?seed=2")]
    [InlineData("tcp://127.0.0.1:7300", "tcp://127.0.0.1:7300")]
    public void The_emulated_tissue_takes_the_task_seed_unless_the_uri_gives_one(string given, string expected)
    {
        Assert.Equal(expected, DriveTask.DeviceWithSeed(given, 7));
    }
}
