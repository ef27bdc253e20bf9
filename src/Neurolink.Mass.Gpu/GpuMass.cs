using System.Numerics;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using static Neurolink.Mass.CurrentFrame;

namespace Neurolink.Mass.Gpu;

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
public sealed partial class GpuMass : ISimulatedMass
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
}
