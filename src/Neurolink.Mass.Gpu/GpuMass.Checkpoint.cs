using ILGPU;
using ILGPU.Runtime;

namespace Neurolink.Mass.Gpu;

/// <summary>
/// Checkpoints: the whole state between steps, in the format both backends share.
/// </summary>
public sealed partial class GpuMass
{
    /// <summary>
    /// Writes the whole state between steps in the checkpoint format both backends share (the
    /// CPU backend restores it, and this one restores the CPU's): neurons, delay slots, weights,
    /// traces, eligibility, the dopamine history and the last step's spikes. Synchronises.
    /// </summary>
    public void SaveCheckpoint(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ObjectDisposedException.ThrowIf(_disposed, this);
        MassState state = MassState.Shaped(_net);
        state.Step = _step;
        _stream.Synchronize();
        Transfer(state, toDevice: false);
        state.Rewards.Clear();
        state.Rewards.AddRange(_rewards.Entries);
        var spikes = new int[_n];
        state.Spikes = spikes[..CopySpikes(spikes)];
        state.Write(stream, _net);
    }

    /// <summary>
    /// Replaces the state with a checkpoint of the same network, taken on either backend. The
    /// spike record restarts at the checkpoint's step (what was recorded before is handed to
    /// <see cref="GpuMassOptions.OnSpikes"/> first) and the firing statistics count from it.
    /// </summary>
    /// <exception cref="InvalidDataException">Not a checkpoint, one of another network, or truncated; nothing was changed.</exception>
    public void LoadCheckpoint(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ObjectDisposedException.ThrowIf(_disposed, this);
        MassState state = MassState.Read(stream, _net); // everything is read and checked before anything changes
        if (state.Step > int.MaxValue)
        {
            throw new InvalidDataException($"the checkpoint is at step {state.Step}, beyond the GPU backend's step counter ({int.MaxValue} steps); restore it on the CPU backend");
        }

        _rewards.Replace(state.Rewards);
        FlushSpikes();
        _stream.Synchronize();
        _injectsSinceSync = 0;
        Transfer(state, toDevice: true);
        UploadRewards();

        // The last step's spikes: the traces take them at the next step (through Last), and
        // CopySpikes reads them from the record row of that step.
        _step = state.Step;
        _delivered = _step;
        _counters.MemSetToZero(_stream);
        _count.MemSetToZero(_stream);
        _isiSum.MemSetToZero(_stream);
        _isiSquares.MemSetToZero(_stream);
        _record.MemSetToZero(_stream);
        var last = new int[_n];
        Array.Fill(last, -1);
        if (_step > 0)
        {
            Array.Clear(_lastRow);
            foreach (int i in state.Spikes)
            {
                last[i] = (int)(_step - 1);
                _lastRow[i >> 5] |= 1u << (i & 31);
            }

            Copy(_record.View, RowOffset(_step - 1), _lastRow, toDevice: true);
        }

        Copy(_last.View, 0, last, toDevice: true);
        _stream.Synchronize();
    }

    /// <summary>Copies every array a checkpoint holds between the device and <paramref name="state"/>, in one list for both directions.</summary>
    private void Transfer(MassState state, bool toDevice)
    {
        var floats = new List<(ArrayView<float> View, long At, float[] Host)>
        {
            (_v.View, 0, state.V), (_ge.View, 0, state.Ge), (_gi.View, 0, state.Gi), (_ref.View, 0, state.Ref), (_u.View, 0, state.U),
            (_slots.View, 0, state.Slots), (_exc.Weight, 0, state.Weights[0]), (_inh.Weight, 0, state.Weights[1]),
        };
        var ints = new List<(ArrayView<int> View, long At, int[] Host)>();
        for (int q = 0; q < state.Rules.Length; q++)
        {
            RuleTraces t = state.Rules[q];
            long at = (long)q * _n;
            floats.AddRange([(_plastic.Pre, at, t.Pre), (_plastic.Post, at, t.Post), (_plastic.Pre2, at, t.Pre2), (_plastic.Post2, at, t.Post2)]);
            ints.AddRange([(_plastic.PreStep, at, t.PreStep), (_plastic.PostStep, at, t.PostStep)]);
        }

        if (state.Eligibility.Length == 2)
        {
            floats.AddRange([(_plastic.ExcEligibility, 0, state.Eligibility[0]), (_plastic.InhEligibility, 0, state.Eligibility[1])]);
            ints.AddRange([(_plastic.ExcTouched, 0, state.Touched[0]), (_plastic.InhTouched, 0, state.Touched[1])]);
        }

        foreach ((ArrayView<float> view, long at, float[] host) in floats)
        {
            Copy(view, at, host, toDevice);
        }

        foreach ((ArrayView<int> view, long at, int[] host) in ints)
        {
            Copy(view, at, host, toDevice);
        }
    }

    private void Copy<T>(ArrayView<T> view, long offset, T[] host, bool toDevice)
        where T : unmanaged
    {
        if (host.Length == 0)
        {
            return;
        }

        if (toDevice)
        {
            view.SubView(offset, host.Length).CopyFromCPU(_stream, host);
        }
        else
        {
            view.SubView(offset, host.Length).CopyToCPU(_stream, host);
        }
    }
}
