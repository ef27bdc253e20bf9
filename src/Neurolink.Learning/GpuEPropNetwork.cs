using ILGPU;
using ILGPU.Runtime;
using Neurolink.Mass.Gpu;

namespace Neurolink.Learning;

/// <summary>
/// <see cref="EPropNetwork"/> on the GPU backend: the same network (built from the same seed by
/// the CPU class, then uploaded), stepped and taught by <see cref="EPropKernels"/>. A step is
/// five kernels queued without waiting and one read of the outputs and the spike count (the
/// learning signal needs the output at once); learning is one small upload and two kernels.
/// </summary>
/// <remarks>
/// The arithmetic is the CPU network's, term for term; only the order of a sum over synapses
/// differs (the CPU sums in SIMD lanes, a thread here in sequence), so a potential can differ in
/// its last bits and, rarely, a threshold crossing with it. The tests check both: outputs
/// within a small tolerance of the CPU's over a learning run, and the decoding task's score.
/// Snapshots (the learning curve's points) are copied back into a CPU network.
/// </remarks>
public sealed class GpuEPropNetwork : IEPropMass
{
    private const float BiasShare = 0.1f; // as EPropNetwork's
    private readonly EPropOptions _options;
    private readonly Context _context;
    private readonly Accelerator _acc;
    private readonly AcceleratorStream _stream;
    private readonly List<MemoryBuffer1D<float, Stride1D.Dense>> _buffers = [];
    private readonly EPropViews _m;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _input, _error, _readback;
    private readonly PageLockedArray1D<float> _inputHost, _errorHost, _readbackHost;
    private readonly float[] _y;
    private readonly int _in, _hidden, _out, _features, _lanes; // _lanes: the most threads a kernel is launched with
    private readonly float _alpha, _kappa, _threshold, _damping, _homeostasis, _targetPerStep, _statDecay, _readoutRate, _hiddenRate;
    private readonly Action<AcceleratorStream, Index1D, EPropViews, EPropArgs> _presynaptic, _step, _readout, _outputs, _eligibility, _learnOutputs, _learnHidden;
    private long _steps, _learnt;
    private bool _disposed;

    /// <summary>Builds the network <see cref="EPropNetwork"/> would build with these settings, on <paramref name="target"/>.</summary>
    /// <exception cref="ArgumentException">The settings have problems.</exception>
    /// <exception cref="NotSupportedException">No CUDA device for <see cref="GpuTarget.Cuda"/>, or a network too large to index with 32 bits.</exception>
    public GpuEPropNetwork(int inputs, int outputs, EPropOptions? options = null, GpuTarget target = GpuTarget.Cuda)
    {
        var cpu = new EPropNetwork(inputs, outputs, options);
        _options = cpu.Options;
        (_in, _hidden, _out, _features) = (inputs, _options.Hidden, outputs, inputs + _options.Hidden);
        if ((long)_hidden * _features >= int.MaxValue || (long)_out * _features >= int.MaxValue)
        {
            throw new NotSupportedException($"{_hidden} hidden neurons over {_features} presynaptic neurons is more synapses than the GPU kernels index (2^31); use fewer hidden neurons");
        }

        (_alpha, _kappa, _threshold, _damping, _homeostasis, _targetPerStep, _hiddenRate, _readoutRate, _statDecay) = EPropConstants.From(_options, _features);
        _y = new float[outputs];
        (_context, _acc) = GpuDevices.Create(target);
        try
        {
            _stream = _acc.DefaultStream;
            _lanes = _acc.AcceleratorType == AcceleratorType.CPU ? _acc.MaxNumThreadsPerGroup : Math.Max(1024, _acc.NumMultiprocessors * _acc.MaxNumThreadsPerMultiprocessor);
            EPropState s = cpu.Export();
            float[] w = Rows(s.WIn, s.WRec), e = Rows(s.EligibilityIn, s.EligibilityRec);

            _input = Upload(new float[_in]);
            _error = Upload(new float[_out]);
            _readback = Upload(new float[_out + 1]);
            _m = new EPropViews
            {
                Input = _input.View,
                Eps = Upload([.. s.EpsIn, .. s.EpsRec]).View,
                W = Upload(w).View,
                Eligibility = Upload(e).View,
                Feedback = Upload(s.Feedback).View,
                V = Upload(s.V).View,
                Psi = Upload(s.Psi).View,
                Thresholds = Upload(s.Thresholds).View,
                Z = Upload([.. s.ZPrevious, .. new float[_hidden]]).View,
                Trace = Upload(s.ReadoutTrace).View,
                Mean = Upload(s.Mean).View,
                MeanSquare = Upload(s.MeanSquare).View,
                Feature = Upload(s.Feature).View,
                WOut = Upload(s.WOut).View,
                Bias = Upload(s.Bias).View,
                Error = _error.View,
                Readback = _readback.View,
            };
            _inputHost = _acc.AllocatePageLocked1D<float>(Math.Max(1, _in));
            _errorHost = _acc.AllocatePageLocked1D<float>(Math.Max(1, _out));
            _readbackHost = _acc.AllocatePageLocked1D<float>(_out + 1);
            _presynaptic = _acc.LoadAutoGroupedKernel<Index1D, EPropViews, EPropArgs>(EPropKernels.Presynaptic);
            _step = _acc.LoadAutoGroupedKernel<Index1D, EPropViews, EPropArgs>(EPropKernels.Hidden);
            _readout = _acc.LoadAutoGroupedKernel<Index1D, EPropViews, EPropArgs>(EPropKernels.Features);
            _outputs = _acc.LoadAutoGroupedKernel<Index1D, EPropViews, EPropArgs>(EPropKernels.Outputs);
            _eligibility = _acc.LoadAutoGroupedKernel<Index1D, EPropViews, EPropArgs>(EPropKernels.Eligibility);
            _learnOutputs = _acc.LoadAutoGroupedKernel<Index1D, EPropViews, EPropArgs>(EPropKernels.LearnOutputs);
            _learnHidden = _acc.LoadAutoGroupedKernel<Index1D, EPropViews, EPropArgs>(EPropKernels.LearnHidden);
            _acc.Synchronize();
            Backend = GpuDevices.Describe(_acc);
        }
        catch
        {
            Dispose(); // what was allocated before the failure
            throw;
        }
    }

    /// <inheritdoc/>
    public string Backend { get; }

    /// <inheritdoc/>
    public int Inputs => _in;

    /// <inheritdoc/>
    public int Hidden => _hidden;

    /// <inheritdoc/>
    public int Outputs => _out;

    /// <inheritdoc/>
    public long Steps => _steps;

    /// <inheritdoc/>
    public ReadOnlySpan<float> Output => _y;

    /// <inheritdoc/>
    public int HiddenSpikes { get; private set; }

    /// <inheritdoc/>
    public bool Plastic { get; set; } = true;

    /// <inheritdoc/>
    public void Step(ReadOnlySpan<float> inputSpikes)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (inputSpikes.Length != _in)
        {
            throw new ArgumentException($"{inputSpikes.Length} input values for {_in} input neurons", nameof(inputSpikes));
        }

        _steps++;
        EPropArgs a = Args();
        inputSpikes.CopyTo(_inputHost.Span);
        _input.View.CopyFromPageLockedAsync(_stream, _inputHost);
        Launch(_presynaptic, _features, a);
        if (_hidden > 0)
        {
            Launch(_step, _hidden, a);
        }

        Launch(_readout, _features, a);
        Launch(_outputs, _out, a);
        if (Plastic && _hidden > 0)
        {
            Launch(_eligibility, _hidden * _features, a);
        }

        // One wait per step: the outputs are needed now (the error of this step is taught before the next).
        _readback.View.CopyToPageLockedAsync(_stream, _readbackHost);
        _stream.Synchronize();
        ReadOnlySpan<float> back = _readbackHost.Span;
        back[.._out].CopyTo(_y);
        HiddenSpikes = (int)back[_out];
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The network is not <see cref="Plastic"/>.</exception>
    public void Learn(ReadOnlySpan<float> outputError)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        EPropConstants.CheckLearn(Plastic, _out, outputError);
        float schedule = EPropConstants.Schedule(_options, _learnt++);
        EPropArgs a = Args();
        a.ReadoutRate = _readoutRate * schedule;
        a.HiddenRate = _hiddenRate * schedule;
        a.BiasRate = a.ReadoutRate * _features * BiasShare;

        // The staging buffer is free: the last step waited for the stream, and nothing is queued since.
        outputError.CopyTo(_errorHost.Span);
        _error.View.CopyFromPageLockedAsync(_stream, _errorHost);
        Launch(_learnOutputs, _out * _features, a);
        if (a.HiddenRate != 0 && _hidden > 0)
        {
            Launch(_learnHidden, _hidden * _features, a);
        }
    }

    /// <inheritdoc/>
    public EPropNetwork Snapshot()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _stream.Synchronize();
        float[] Get(ArrayView<float> view, long offset, long length)
        {
            var host = new float[length];
            if (length > 0)
            {
                view.SubView(offset, length).CopyToCPU(_stream, host);
            }

            return host;
        }

        float[] w = Get(_m.W, 0, _m.W.Length), e = Get(_m.Eligibility, 0, _m.Eligibility.Length);
        var state = new EPropState
        {
            V = Get(_m.V, 0, _hidden), ZPrevious = Get(_m.Z, LastSpikes, _hidden), Psi = Get(_m.Psi, 0, _hidden), Thresholds = Get(_m.Thresholds, 0, _hidden),
            WIn = Rows(w, 0, _in), WRec = Rows(w, _in, _hidden), EligibilityIn = Rows(e, 0, _in), EligibilityRec = Rows(e, _in, _hidden),
            Feedback = Get(_m.Feedback, 0, (long)_hidden * _out),
            EpsIn = Get(_m.Eps, 0, _in), EpsRec = Get(_m.Eps, _in, _hidden),
            ReadoutTrace = Get(_m.Trace, 0, _features), Mean = Get(_m.Mean, 0, _features), MeanSquare = Get(_m.MeanSquare, 0, _features), Feature = Get(_m.Feature, 0, _features),
            WOut = Get(_m.WOut, 0, (long)_out * _features), Bias = Get(_m.Bias, 0, _out), Y = [.. _y],
            Steps = _steps, Learnt = _learnt, HiddenSpikes = HiddenSpikes,
        };
        EPropNetwork copy = EPropNetwork.Import(_in, _out, _options, state);
        copy.Plastic = Plastic;
        return copy;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _inputHost?.Dispose();
        _errorHost?.Dispose();
        _readbackHost?.Dispose();
        foreach (MemoryBuffer1D<float, Stride1D.Dense> b in _buffers)
        {
            b.Dispose();
        }

        _acc.Dispose();
        _context.Dispose();
    }

    private void Launch(Action<AcceleratorStream, Index1D, EPropViews, EPropArgs> kernel, int items, EPropArgs a)
    {
        a.Lanes = Math.Min(items, _lanes);
        kernel(_stream, a.Lanes, _m, a);
    }

    // Where in Z the last step wrote its spikes (step n writes the half n & 1).
    private int LastSpikes => (int)(_steps & 1) * _hidden;

    private EPropArgs Args() => new()
    {
        In = _in,
        Hidden = _hidden,
        Out = _out,
        Features = _features,
        Previous = (int)((_steps + 1) & 1) * _hidden, // step n (counted from 1) reads the half step n-1 wrote
        Current = (int)(_steps & 1) * _hidden,
        ReadoutFromInputs = _options.ReadoutFromInputs ? 1 : 0,
        Alpha = _alpha,
        Kappa = _kappa,
        Threshold = _threshold,
        Damping = _damping,
        Homeostasis = _homeostasis,
        TargetPerStep = _targetPerStep,
        StatDecay = _statDecay,
        Correction = 1 / (1 - MathF.Pow(_statDecay, _steps)),
    };

    // [hidden][inputs] and [hidden][hidden] side by side: [hidden][inputs + hidden], the kernels' layout.
    private float[] Rows(float[] fromInputs, float[] fromHidden)
    {
        var rows = new float[(long)_hidden * _features];
        for (int j = 0; j < _hidden; j++)
        {
            Array.Copy(fromInputs, (long)j * _in, rows, (long)j * _features, _in);
            Array.Copy(fromHidden, (long)j * _hidden, rows, ((long)j * _features) + _in, _hidden);
        }

        return rows;
    }

    // The inverse: the columns [from, from + length) of each row.
    private float[] Rows(float[] matrix, int from, int length)
    {
        var rows = new float[(long)_hidden * length];
        for (int j = 0; j < _hidden; j++)
        {
            Array.Copy(matrix, ((long)j * _features) + from, rows, (long)j * length, length);
        }

        return rows;
    }

    private MemoryBuffer1D<float, Stride1D.Dense> Upload(float[] data)
    {
        MemoryBuffer1D<float, Stride1D.Dense> buffer = _acc.Allocate1D<float>(Math.Max(1, data.Length));
        _buffers.Add(buffer);
        buffer.MemSetToZero();
        if (data.Length > 0)
        {
            buffer.View.SubView(0, data.Length).CopyFromCPU(data);
        }

        return buffer;
    }
}
