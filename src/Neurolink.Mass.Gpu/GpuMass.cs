using System.Numerics;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using static Neurolink.Mass.CurrentFrame;

namespace Neurolink.Mass.Gpu;

/// <summary>Where the GPU backend's kernels run.</summary>
public enum GpuTarget
{
    /// <summary>The first CUDA device (an error when there is none).</summary>
    Cuda,

    /// <summary>ILGPU's CPU accelerator: the same kernels, run on the CPU (slow; for tests and machines without a GPU).</summary>
    CpuAccelerator,
}

/// <summary>A block of recorded spikes: bit i of word (step x WordsPerStep + i / 32) is neuron i firing at FirstStep + step.</summary>
/// <param name="FirstStep">The step of the block's first row.</param>
/// <param name="Steps">Rows in the block.</param>
/// <param name="WordsPerStep">32-bit words per row.</param>
/// <param name="Bits">The rows (valid only during the call).</param>
public readonly ref struct SpikeBlock(long FirstStep, int Steps, int WordsPerStep, ReadOnlySpan<uint> Bits)
{
    /// <summary>The step of the block's first row.</summary>
    public long FirstStep { get; } = FirstStep;

    /// <summary>Rows in the block.</summary>
    public int Steps { get; } = Steps;

    /// <summary>32-bit words per row.</summary>
    public int WordsPerStep { get; } = WordsPerStep;

    /// <summary>The rows (valid only during the call).</summary>
    public ReadOnlySpan<uint> Bits { get; } = Bits;

    /// <summary>Whether neuron <paramref name="neuron"/> fired in row <paramref name="row"/>.</summary>
    public bool Fired(int row, int neuron) => (Bits[(row * WordsPerStep) + (neuron >> 5)] & (1u << (neuron & 31))) != 0;
}

/// <summary>Receives recorded spike blocks in step order.</summary>
public delegate void SpikeBlockHandler(in SpikeBlock block);

/// <summary>Options of the GPU backend.</summary>
public sealed record class GpuMassOptions
{
    /// <summary>Steps per spike-record block (0: about 16 MiB of bits per block, between 10 and 1000 steps).</summary>
    public int RecordBlockSteps { get; init; }

    /// <summary>Warps of 32 threads in the delivery grid (0: 32 per multiprocessor on CUDA, 4 on the CPU accelerator).</summary>
    public int DeliveryWarps { get; init; }

    /// <summary>
    /// Receives every spike-record block, on the stepping thread, one block after the GPU has
    /// written it (the copy to page-locked host memory overlaps the next block's steps), and the
    /// rest at <see cref="GpuMass.FlushSpikes"/> or disposal. Null: the bits stay on the device.
    /// </summary>
    public SpikeBlockHandler? OnSpikes { get; init; }
}

/// <summary>Per-neuron firing statistics kept on the device (read with one copy at the end of a run).</summary>
/// <param name="Count">Spikes per neuron.</param>
/// <param name="IsiSum">Sum of inter-spike intervals, in steps.</param>
/// <param name="IsiSquares">Sum of their squares.</param>
public sealed record class FiringStatistics(int[] Count, long[] IsiSum, long[] IsiSquares)
{
    /// <summary>The coefficient of variation of neuron i's intervals (NaN under three intervals).</summary>
    public double Cv(int i)
    {
        int k = Count[i] - 1;
        if (k < 3)
        {
            return double.NaN;
        }

        double mean = (double)IsiSum[i] / k;
        double variance = Math.Max(0, ((double)IsiSquares[i] / k) - (mean * mean));
        return Math.Sqrt(variance) / mean;
    }
}

/// <summary>
/// The GPU backend: the network's state, synapses and spike record live on the device, and a
/// step is two kernel launches (three with plasticity), queued without waiting: a fused neuron kernel (delayed input
/// arrives, integrate, threshold, reset, compact the spikes into a list with one atomic, set
/// their bits in the record) and a delivery kernel that reads the spike count on the device,
/// so nothing is read back per step. Channel input goes through page-locked host memory.
/// </summary>
/// <remarks>
/// Same semantics as <see cref="CpuMass"/>, step order included. The one difference is the
/// order in which spikes arriving at a neuron in the same step are summed (atomic additions
/// in whatever order the threads run): float addition is not associative, so a current can
/// differ from the CPU's in its last bits. A network where no neuron sums three or more inputs
/// in one step gives the CPU's spikes exactly; a recurrent network gives them exactly until a
/// last-bit difference first decides a threshold crossing, and from then on the same
/// statistics, as two CPU runs with different seeds do (the tests check both). CUDA may also
/// contract a multiply and an add into one fused operation, and its exp differs from .NET's
/// in the last bits; both are within the same tolerance. Every learning rule runs here as the
/// CPU computes it, in double: pair STDP (additive or multiplicative), triplet STDP and
/// reward-modulated STDP, whose eligibility is settled lazily from a device copy of the
/// dopamine history (a reward synchronises once to copy it). Checkpoints are in the format the
/// CPU backend writes, so a run can move between backends.
/// </remarks>
public sealed class GpuMass : ISimulatedMass
{
    private readonly Context _context;
    private readonly Accelerator _acc;
    private readonly AcceleratorStream _stream;
    private readonly CompiledNetwork _net;
    private readonly CurrentFrame _frame;
    private readonly int _n, _words, _blockSteps, _warps, _slotCount;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _v, _u, _ge, _gi, _ref, _slots, _inWeight;
    private readonly MemoryBuffer1D<byte, Stride1D.Dense> _population, _counts;
    private readonly MemoryBuffer1D<ModelConstants, Stride1D.Dense> _models;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _list, _counters, _count, _last, _inChannel, _inTarget;
    private readonly MemoryBuffer1D<long, Stride1D.Dense> _isiSum, _isiSquares;
    private readonly MemoryBuffer1D<uint, Stride1D.Dense> _record;
    private readonly List<MemoryBuffer> _owned = []; // device buffers that have no field of their own
    private readonly RowViews _exc, _inh;
    private readonly NeuronViews _neurons;
    private readonly SpikeViews _spikes;
    private PlasticViews _plastic; // its dopamine history changes with rewards
    private readonly RewardHistory _rewards;
    private readonly bool _rewardRules;
    private MemoryBuffer1D<long, Stride1D.Dense>? _rewardStep;
    private MemoryBuffer1D<double, Stride1D.Dense>? _rewardLevel;
    private int _rewardsVersion = -1;
    private readonly Action<AcceleratorStream, Index1D, NeuronViews, SpikeViews, PlasticViews, StepArgs> _update;
    private readonly Action<AcceleratorStream, Index1D, RowViews, RowViews, NeuronViews, SpikeViews, PlasticViews, StepArgs> _deliver;
    private readonly Action<AcceleratorStream, Index1D, RowViews, RowViews, SpikeViews, PlasticViews, StepArgs> _potentiate;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<byte>, ArrayView<float>, float> _inject;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, PlasticViews, int, int, int> _settleAll;
    private readonly PageLockedArray1D<byte>[] _countStaging;
    private readonly PageLockedArray1D<uint>[] _recordHost;
    private (int Half, long FirstStep, ProfilingMarker Marker)? _pending; // a block whose copy to the host is queued
    private readonly SpikeBlockHandler? _onSpikes;
    private readonly uint[] _lastRow;
    private int _injectsSinceSync;
    private long _step;
    private long _delivered; // steps whose records went to OnSpikes
    private bool _disposed;

    /// <summary>Builds the device state of <paramref name="network"/> on <paramref name="target"/>.</summary>
    /// <exception cref="NotSupportedException">A population model the kernels lack, more than 255 populations, or no CUDA device for <see cref="GpuTarget.Cuda"/>.</exception>
    public GpuMass(CompiledNetwork network, GpuTarget target = GpuTarget.Cuda, GpuMassOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        options ??= new GpuMassOptions();
        _net = network;
        _frame = CurrentFrame.For(network);
        _n = network.NeuronCount;
        _words = (_n + 31) / 32;
        _onSpikes = options.OnSpikes;
        (_context, _acc) = GpuDevices.Create(target);

        _stream = _acc.DefaultStream;
        _warps = options.DeliveryWarps > 0 ? options.DeliveryWarps
            : _acc.AcceleratorType == AcceleratorType.CPU ? 4 : Math.Max(64, _acc.NumMultiprocessors * 32);
        _blockSteps = options.RecordBlockSteps > 0 ? options.RecordBlockSteps : Math.Clamp((16 << 20) / (_words * 4), 10, 1000);

        _v = Upload(network.VInit);
        _ge = _acc.Allocate1D<float>(_n);
        _gi = _acc.Allocate1D<float>(_n);
        _ref = _acc.Allocate1D<float>(_n);
        _ge.MemSetToZero();
        _gi.MemSetToZero();
        _ref.MemSetToZero();
        (byte[] population, ModelConstants[] models, float[] u) = Populations(network);
        _u = Upload(u);
        _population = Upload(population);
        _models = Upload(models);

        _slotCount = network.MaxDelaySteps > 0 ? network.MaxDelaySteps + 1 : 1;
        _slots = _acc.Allocate1D<float>(network.MaxDelaySteps > 0 ? checked((long)_slotCount * 2 * _n) : 1);
        _slots.MemSetToZero();
        _exc = Rows(network.Excitatory);
        _inh = Rows(network.Inhibitory);

        _list = _acc.Allocate1D<int>(Math.Max(1, _n));
        _counters = _acc.Allocate1D<int>(2);
        _counters.MemSetToZero();
        _count = _acc.Allocate1D<int>(_n);
        _count.MemSetToZero();
        _last = Upload(Enumerable.Repeat(-1, _n).ToArray());
        _isiSum = _acc.Allocate1D<long>(_n);
        _isiSquares = _acc.Allocate1D<long>(_n);
        _isiSum.MemSetToZero();
        _isiSquares.MemSetToZero();
        _record = _acc.Allocate1D<uint>(2L * _blockSteps * _words);
        _record.MemSetToZero();
        _lastRow = new uint[_words];

        SynapseRows inputs = network.Inputs;
        int channels = Math.Max(1, inputs.RowStart.Length - 1);
        var inChannel = new int[inputs.Count];
        for (int c = 0; c < inputs.RowStart.Length - 1; c++)
        {
            Array.Fill(inChannel, c, inputs.RowStart[c], inputs.RowStart[c + 1] - inputs.RowStart[c]);
        }

        _inChannel = Upload(inputs.Count == 0 ? [0] : inChannel);
        _inTarget = Upload(inputs.Count == 0 ? [0] : inputs.Target);
        _inWeight = Upload(inputs.Count == 0 ? [0f] : inputs.Weight);
        _counts = _acc.Allocate1D<byte>(channels);
        _countStaging = [.. Enumerable.Range(0, 8).Select(_ => _acc.AllocatePageLocked1D<byte>(channels))];
        _recordHost = _onSpikes is null ? [] : [_acc.AllocatePageLocked1D<uint>((long)_blockSteps * _words), _acc.AllocatePageLocked1D<uint>((long)_blockSteps * _words)];

        _neurons = new NeuronViews { V = _v.View, U = _u.View, Ge = _ge.View, Gi = _gi.View, Ref = _ref.View, Population = _population.View, Models = _models.View };
        _spikes = new SpikeViews
        {
            List = _list.View, Counters = _counters.View, Record = _record.View, Count = _count.View, Last = _last.View,
            IsiSum = _isiSum.View, IsiSquares = _isiSquares.View, Slots = _slots.View,
        };

        _rewards = RewardHistory.For(network);
        _rewardRules = network.Rules.Any(r => r is RewardStdp);
        _plastic = Plasticity(network);
        UploadRewards();
        _update = _acc.LoadAutoGroupedKernel<Index1D, NeuronViews, SpikeViews, PlasticViews, StepArgs>(Kernels.Update);
        _deliver = _acc.LoadAutoGroupedKernel<Index1D, RowViews, RowViews, NeuronViews, SpikeViews, PlasticViews, StepArgs>(Kernels.Deliver);
        _potentiate = _acc.LoadAutoGroupedKernel<Index1D, RowViews, RowViews, SpikeViews, PlasticViews, StepArgs>(Kernels.Potentiate);
        _inject = _acc.LoadAutoGroupedKernel<Index1D, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<byte>, ArrayView<float>, float>(Kernels.Inject);
        _settleAll = _acc.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, PlasticViews, int, int, int>(Kernels.SettleAll);
        _acc.Synchronize();
        Backend = GpuDevices.Describe(_acc);
    }

    /// <summary>Names of the CUDA devices ILGPU finds (empty without a GPU or driver).</summary>
    public static IReadOnlyList<string> CudaDevices()
    {
        using Context context = Context.Create(b => b.Cuda());
        var names = new List<string>();
        foreach (CudaDevice d in context.GetCudaDevices())
        {
            names.Add(d.Name);
        }

        return names;
    }

    /// <inheritdoc/>
    public string Backend { get; }

    /// <inheritdoc/>
    public CompiledNetwork Network => _net;

    /// <inheritdoc/>
    public long StepCount => _step;

    /// <summary>Steps per spike-record block.</summary>
    public int RecordBlockSteps => _blockSteps;

    /// <inheritdoc/>
    public void InjectChannelCounts(ReadOnlySpan<byte> counts)
    {
        SynapseRows inputs = _net.Inputs;
        if (inputs.Count == 0)
        {
            return;
        }

        // Staging buffers are reused in turn; one is written again only after the device has
        // surely read it (a synchronisation every eighth injection without one in between).
        if (_injectsSinceSync == _countStaging.Length)
        {
            _stream.Synchronize();
            _injectsSinceSync = 0;
        }

        PageLockedArray1D<byte> staging = _countStaging[_injectsSinceSync++];
        Span<byte> span = staging.Span;
        span.Clear();
        counts[..Math.Min(counts.Length, span.Length)].CopyTo(span);
        _counts.View.CopyFromPageLockedAsync(_stream, staging);
        _inject(_stream, inputs.Count, _inChannel.View, _inTarget.View, _inWeight.View, _counts.View, _ge.View, _frame.InverseBefore(0, _step));
    }

    /// <inheritdoc/>
    public void Step()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long s = _step;
        int row = (int)(s % _blockSteps), half = (int)((s / _blockSteps) & 1);
        FrameFactors f = _frame.At(s);
        var args = new StepArgs
        {
            Neurons = _n,
            Step = checked((int)s),
            Parity = (int)(s & 1),
            Delayed = _slotCount > 1 ? 1 : 0,
            Arrive = (long)((s + _slotCount - 1) % _slotCount) * 2 * _n,
            Slot = (int)(s % _slotCount),
            SlotCount = _slotCount,
            RecordRow = (((long)half * _blockSteps) + row) * _words,
            Warps = _warps,
            FramedE = _frame.Framed[0] ? 1 : 0,
            FramedI = _frame.Framed[1] ? 1 : 0,
            Restarts = f.Restarts ? 1 : 0,
            ScaleE = f.ScaleE,
            ScaleI = f.ScaleI,
            RestartE = f.RestartE,
            RestartI = f.RestartI,
            InverseAtE = f.InverseAtE,
            InverseAtI = f.InverseAtI,
            InverseNextE = f.InverseNextE,
            InverseNextI = f.InverseNextI,
        };
        if (row == 0 && s >= 2L * _blockSteps)
        {
            // This half last held the block before the previous one, already copied out.
            _record.View.SubView((long)half * _blockSteps * _words, (long)_blockSteps * _words).MemSetToZero(_stream);
        }

        _update(_stream, Math.Max(1, _n), _neurons, _spikes, _plastic, args);
        _deliver(_stream, _warps * 32, _exc, _inh, _neurons, _spikes, _plastic, args);
        if (_plastic.Rules > 0)
        {
            _potentiate(_stream, _warps * 32, _exc, _inh, _spikes, _plastic, args);
        }
        _step++;
        if (row == _blockSteps - 1)
        {
            EndBlock(half, s - row);
        }
    }

    /// <inheritdoc/>
    public void Run(long steps)
    {
        for (long i = 0; i < steps; i++)
        {
            Step();
        }
    }

    /// <inheritdoc/>
    public void Synchronize()
    {
        _stream.Synchronize();
        _injectsSinceSync = 0;
    }

    /// <inheritdoc/>
    public int CopySpikes(Span<int> destination)
    {
        if (_step == 0)
        {
            return 0;
        }

        _record.View.SubView(RowOffset(_step - 1), _words).CopyToCPU(_stream, _lastRow);
        int count = 0;
        for (int w = 0; w < _words; w++)
        {
            uint bits = _lastRow[w];
            while (bits != 0)
            {
                destination[count++] = (w * 32) + BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
            }
        }

        return count;
    }

    /// <inheritdoc/>
    public void CopyV(Span<float> destination)
    {
        float[] v = _v.GetAsArray1D(_stream);
        v.CopyTo(destination);
    }

    /// <summary>
    /// The current weights of a receptor's synapses, in the order of the network's rows, every
    /// eligibility brought up to date first, as <see cref="CpuMass.Weights"/> does (one copy; synchronises).
    /// </summary>
    public float[] CopyWeights(Receptor receptor)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        SettleAll();
        var weights = new float[(receptor == Receptor.Excitatory ? _net.Excitatory : _net.Inhibitory).Count];
        if (weights.Length > 0)
        {
            (receptor == Receptor.Excitatory ? _exc : _inh).Weight.SubView(0, weights.Length).CopyToCPU(_stream, weights);
        }

        return weights;
    }

    /// <summary>The network's dopamine now, tonic and phasic.</summary>
    public double Dopamine => _net.Spec.DopamineBaseline + _rewards.At(_step);

    /// <inheritdoc/>
    public void Reward(double amount)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _rewards.Add(_step, amount);
        UploadRewards();
    }

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

    private long RowOffset(long step) => ((((step / _blockSteps) & 1) * _blockSteps) + (step % _blockSteps)) * _words;

    /// <summary>Reads the per-neuron firing statistics (one copy of each array; synchronises).</summary>
    public FiringStatistics ReadStatistics() => new(_count.GetAsArray1D(_stream), _isiSum.GetAsArray1D(_stream), _isiSquares.GetAsArray1D(_stream));

    /// <summary>Hands every recorded step not yet handed over to <see cref="GpuMassOptions.OnSpikes"/> (synchronises).</summary>
    public void FlushSpikes()
    {
        if (_onSpikes is null)
        {
            return;
        }

        _stream.Synchronize();
        DeliverPending();
        long blockStart = _step - (_step % _blockSteps);
        if (_delivered < _step)
        {
            // The block in progress: copy its rows so far, hand over those not yet handed over.
            int half = (int)((blockStart / _blockSteps) & 1);
            int rows = (int)(_step - blockStart);
            var bits = new uint[rows * _words];
            _record.View.SubView((long)half * _blockSteps * _words, (long)rows * _words).CopyToCPU(_stream, bits);
            int skip = (int)(_delivered - blockStart);
            _onSpikes(new SpikeBlock(_delivered, rows - skip, _words, bits.AsSpan(skip * _words)));
            _delivered = _step;
        }
    }

    /// <summary>Frees the device memory.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            FlushSpikes();
        }
        finally
        {
            _disposed = true;
            _pending?.Marker.Dispose();

            foreach (IDisposable d in (IEnumerable<IDisposable>)[.. _countStaging, .. _recordHost, .. _owned,
                _v, _u, _ge, _gi, _ref, _slots, _inWeight, _population, _counts, _models, _list, _counters, _count, _last,
                _inChannel, _inTarget, _isiSum, _isiSquares, _record])
            {
                d.Dispose();
            }

            _rewardStep?.Dispose();
            _rewardLevel?.Dispose();
            _acc.Dispose();
            _context.Dispose();
        }
    }

    private static (byte[] Population, ModelConstants[] Models, float[] U) Populations(CompiledNetwork net)
    {
        double dt = net.Spec.DtMs;
        if (net.Populations.Count > 255)
        {
            throw new NotSupportedException($"the GPU backend takes at most 255 populations; this network has {net.Populations.Count}");
        }

        var population = new byte[net.NeuronCount];
        var models = new ModelConstants[net.Populations.Count];
        bool izhikevich = net.Populations.Any(p => p.Model is Izhikevich);
        float[] u = new float[izhikevich ? net.NeuronCount : 1];
        for (int p = 0; p < net.Populations.Count; p++)
        {
            PopulationRange range = net.Populations[p];
            population.AsSpan(range.Start, range.Count).Fill((byte)p);
            models[p] = range.Model switch
            {
                LifCuba m => Cuba(LifCoefficients.Of(m, dt)),
                LifCoba m => Coba(CobaCoefficients.Of(m, dt)),
                Izhikevich m => Izh(IzhikevichCoefficients.Of(m, dt)),
                _ => throw new NotSupportedException($"population '{range.Name}': the GPU backend has no kernel for {range.Model.GetType().Name}"),
            };
            if (range.Model is Izhikevich z)
            {
                for (int i = range.Start; i < range.Start + range.Count; i++)
                {
                    u[i] = (float)(z.B * net.VInit[i]);
                }
            }
        }

        return (population, models, u);

        static ModelConstants Cuba(LifCoefficients c) => new()
        {
            Kind = ModelConstants.Cuba, De = c.De, Di = c.Di, Vt = c.Vt, Vr = c.Vr, RefSteps = c.RefSteps, El = c.El, X0 = c.Dm, X1 = c.Ke, X2 = c.Ki,
        };

        static ModelConstants Coba(CobaCoefficients c) => new()
        {
            Kind = ModelConstants.Coba, De = c.De, Di = c.Di, Vt = c.Vt, Vr = c.Vr, RefSteps = c.RefSteps, El = c.El, X0 = c.Gl, X1 = c.Ee, X2 = c.Ei, X3 = c.BiasPa, X4 = c.DtOverC,
        };

        static ModelConstants Izh(IzhikevichCoefficients c) => new()
        {
            Kind = ModelConstants.Izhikevich, De = c.De, Di = c.Di, Vt = c.Peak, Vr = c.C, X0 = c.Dt, X1 = c.A, X2 = c.B, X3 = c.D, X4 = c.Bias,
        };
    }

    private MemoryBuffer1D<T, Stride1D.Dense> Upload<T>(T[] data)
        where T : unmanaged
    {
        MemoryBuffer1D<T, Stride1D.Dense> buffer = _acc.Allocate1D<T>(Math.Max(1, data.Length));
        if (data.Length > 0)
        {
            buffer.View.SubView(0, data.Length).CopyFromCPU(data);
        }

        return buffer;
    }

    /// <summary>The learning rules' device state, as the CPU backend keeps it: traces per rule and neuron, decay tables, column indexes, eligibility.</summary>
    private PlasticViews Plasticity(CompiledNetwork net)
    {
        double dt = net.Spec.DtMs;
        int q = net.Rules.Count;
        var rules = new RuleConstants[Math.Max(1, q)];
        var tables = new List<double>();
        for (int k = 0; k < q; k++)
        {
            PlasticityRule rule = net.Rules[k];
            (double tauPlus, double tauMinus) = rule switch
            {
                PairStdp x => (x.TauPlusMs, x.TauMinusMs),
                TripletStdp x => (x.TauPlusMs, x.TauMinusMs),
                RewardStdp x => (x.TauPlusMs, x.TauMinusMs),
                _ => throw new NotSupportedException($"the GPU backend has no kernel for the {rule.Type} learning rule"),
            };
            var c = new RuleConstants { WMin = rule.WMin, WMax = rule.WMax, TauC = 1 };
            (c.PlusAt, c.PlusLength) = Table(tauPlus / dt);
            (c.MinusAt, c.MinusLength) = Table(tauMinus / dt);
            switch (rule)
            {
                case PairStdp x:
                    (c.Kind, c.Multiplicative, c.APlus, c.AMinus) = (RuleConstants.Pair, x.Multiplicative ? 1 : 0, x.APlus, x.AMinus);
                    break;
                case TripletStdp x:
                    (c.Kind, c.APlus, c.AMinus, c.A3Plus, c.A3Minus) = (RuleConstants.Triplet, x.A2Plus, x.A2Minus, x.A3Plus, x.A3Minus);
                    (c.XAt, c.XLength) = Table(x.TauXMs / dt);
                    (c.YAt, c.YLength) = Table(x.TauYMs / dt);
                    break;
                case RewardStdp x:
                    (c.Kind, c.APlus, c.AMinus, c.TauC) = (RuleConstants.Reward, x.APlus, x.AMinus, x.TauEligibilityMs / dt);
                    break;
            }

            rules[k] = c;
        }

        (int At, int Length) Table(double tauSteps)
        {
            double[] table = DecayTable.Of(tauSteps); // the CPU backend's
            int at = tables.Count;
            tables.AddRange(table);
            return (at, table.Length);
        }

        long traces = Math.Max(1, (long)q * _n);
        long slowTraces = net.Rules.Any(r => r is TripletStdp) ? traces : 1;
        MemoryBuffer1D<float, Stride1D.Dense> Zeros(long length)
        {
            MemoryBuffer1D<float, Stride1D.Dense> b = Own(_acc.Allocate1D<float>(length));
            b.MemSetToZero();
            return b;
        }

        MemoryBuffer1D<int, Stride1D.Dense> IntZeros(long length)
        {
            MemoryBuffer1D<int, Stride1D.Dense> b = Own(_acc.Allocate1D<int>(length));
            b.MemSetToZero();
            return b;
        }

        (int[] Start, int[] Column, int[] Pre) Columns(SynapseRows rows)
        {
            if (q == 0)
            {
                return ([0], [0], [0]);
            }

            (int[] start, int[] column, int[] pre) = rows.PlasticColumns(_n);
            return column.Length == 0 ? (start, [0], [0]) : (start, column, pre);
        }

        (int[] es, int[] ec, int[] ep) = Columns(net.Excitatory);
        (int[] iS, int[] ic, int[] ip) = Columns(net.Inhibitory);
        bool reward = net.Rules.Any(r => r is RewardStdp);
        return new PlasticViews
        {
            Rules = q,
            Rule = Own(Upload(rules)).View,
            Tables = Own(Upload(tables.Count == 0 ? [0.0] : tables.ToArray())).View,
            Pre = Zeros(traces).View, Post = Zeros(traces).View, PreStep = IntZeros(traces).View, PostStep = IntZeros(traces).View,
            Pre2 = Zeros(slowTraces).View, Post2 = Zeros(slowTraces).View,
            ExcRule = Own(Upload(q == 0 ? [(byte)0] : net.Excitatory.Rule)).View,
            InhRule = Own(Upload(q == 0 ? [(byte)0] : net.Inhibitory.Rule)).View,
            ExcColumnStart = Own(Upload(es)).View, ExcColumn = Own(Upload(ec)).View, ExcColumnPre = Own(Upload(ep)).View,
            InhColumnStart = Own(Upload(iS)).View, InhColumn = Own(Upload(ic)).View, InhColumnPre = Own(Upload(ip)).View,
            ExcEligibility = Zeros(reward ? Math.Max(1, net.Excitatory.Count) : 1).View,
            InhEligibility = Zeros(reward ? Math.Max(1, net.Inhibitory.Count) : 1).View,
            ExcTouched = IntZeros(reward ? Math.Max(1, net.Excitatory.Count) : 1).View,
            InhTouched = IntZeros(reward ? Math.Max(1, net.Inhibitory.Count) : 1).View,
            TauDopamine = _rewards.TauSteps,
            Baseline = net.Spec.DopamineBaseline,
            Dt = dt,
        };
    }

    /// <summary>Copies the dopamine history to the device when it changed (after the steps that read the old one).</summary>
    private void UploadRewards()
    {
        if (_rewardsVersion == _rewards.Version)
        {
            return;
        }

        IReadOnlyList<(long Step, double Level)> entries = _rewards.Entries;
        _stream.Synchronize(); // queued steps read the old entries (a trim moves them)
        _injectsSinceSync = 0;
        if (_rewardStep is null || _rewardStep.Length < entries.Count)
        {
            _rewardStep?.Dispose();
            _rewardLevel?.Dispose();
            long capacity = Math.Max(16, 2L * entries.Count);
            _rewardStep = _acc.Allocate1D<long>(capacity);
            _rewardLevel = _acc.Allocate1D<double>(capacity);
        }

        var steps = new long[entries.Count];
        var levels = new double[entries.Count];
        for (int k = 0; k < entries.Count; k++)
        {
            (steps[k], levels[k]) = entries[k];
        }

        _rewardStep.View.SubView(0, steps.Length).CopyFromCPU(_stream, steps);
        _rewardLevel!.View.SubView(0, levels.Length).CopyFromCPU(_stream, levels);
        _stream.Synchronize();
        _plastic.RewardStep = _rewardStep.View;
        _plastic.RewardLevel = _rewardLevel.View;
        _plastic.RewardCount = entries.Count;
        _rewardsVersion = _rewards.Version;
    }

    /// <summary>Brings every reward-modulated synapse up to now (queued).</summary>
    private void SettleAll()
    {
        if (!_rewardRules)
        {
            return;
        }

        int exc = _net.Excitatory.Count, inh = _net.Inhibitory.Count;
        if (exc + inh > 0)
        {
            _settleAll(_stream, exc + inh, _exc.Weight, _inh.Weight, _plastic, exc, inh, checked((int)_step));
        }
    }

    private T Own<T>(T buffer)
        where T : MemoryBuffer
    {
        _owned.Add(buffer);
        return buffer;
    }

    private RowViews Rows(SynapseRows rows)
    {
        MemoryBuffer1D<int, Stride1D.Dense> start = Upload(rows.RowStart), target = Upload(rows.Target);
        MemoryBuffer1D<float, Stride1D.Dense> weight = Upload(rows.Weight);
        MemoryBuffer1D<ushort, Stride1D.Dense> delay = Upload(_slotCount > 1 ? rows.Delay : [0]);
        _owned.AddRange([start, target, weight, delay]);
        return new RowViews { RowStart = start.View, Target = target.View, Weight = weight.View, Delay = delay.View };
    }

    /// <summary>
    /// A block of steps is done (queued): hand the previous block to the handler (its copy is
    /// surely done once its marker is), then queue the copy of this block's bits to page-locked
    /// memory, so that copy overlaps the next block's steps. The device half is cleared only
    /// when the block after next starts in it, so the last step's bits are always readable.
    /// </summary>
    private void EndBlock(int half, long firstStep)
    {
        if (_onSpikes is null)
        {
            return;
        }

        DeliverPending();
        _record.View.SubView((long)half * _blockSteps * _words, (long)_blockSteps * _words).CopyToPageLockedAsync(_stream, _recordHost[half]);
        _pending = (half, firstStep, _stream.AddProfilingMarker());
    }

    /// <summary>Hands the copied block waiting, if any, to the handler (the rows not handed over by a flush).</summary>
    private void DeliverPending()
    {
        if (_pending is not (int half, long first, ProfilingMarker marker))
        {
            return;
        }

        _pending = null;
        marker.Synchronize();
        marker.Dispose();
        int skip = (int)Math.Clamp(_delivered - first, 0, _blockSteps);
        if (skip < _blockSteps)
        {
            _onSpikes!(new SpikeBlock(first + skip, _blockSteps - skip, _words, _recordHost[half].Span[(skip * _words)..]));
        }

        _delivered = Math.Max(_delivered, first + _blockSteps);
    }
}
