using ILGPU;
using ILGPU.Runtime;

namespace Neurolink.Mass.Gpu;

/// <summary>
/// The spike record: a ring of two blocks of steps on the device, each finished block copied
/// to page-locked host memory while the next one runs, and handed to <see cref="GpuMassOptions.OnSpikes"/>
/// one block later.
/// </summary>
public sealed partial class GpuMass
{
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
