using System.Numerics;

namespace Neurolink.Emulator.Firmware;

/// <summary>
/// On-chip spike detection on raw samples (SPEC section 7): a channel with threshold t &lt; 0
/// detects at the first sample at or below t after being above it (t &gt; 0: at or above), then
/// ignores the channel for the refractory period. Vectorised across channels.
/// </summary>
public sealed class ThresholdDetector
{
    private readonly DetectionSettings _settings;
    private readonly int _channels;
    private readonly short[] _sign;
    private readonly short[] _level;
    private readonly short[] _enabled;
    private readonly short[] _wasBeyond;
    private readonly short[] _refractory;
    private int _version = -1;

    /// <summary>Creates a detector reading its settings from <paramref name="settings"/>.</summary>
    public ThresholdDetector(DetectionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _channels = settings.Thresholds.Length;
        _sign = new short[_channels];
        _level = new short[_channels];
        _enabled = new short[_channels];
        _wasBeyond = new short[_channels];
        _refractory = new short[_channels];
    }

    /// <summary>Scans <paramref name="rows"/> rows of channel-interleaved samples that start at <paramref name="start"/>.</summary>
    public void Process(ReadOnlySpan<short> samples, int rows, ulong start, IDetectionSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        Refresh();
        int width = Vector<short>.Count;
        short refractory = (short)Math.Min(_settings.RefractorySamples, short.MaxValue);
        var zero = Vector<short>.Zero;
        var one = Vector<short>.One;
        var refractoryVector = new Vector<short>(refractory);
        for (int s = 0; s < rows; s++)
        {
            ReadOnlySpan<short> row = samples.Slice(s * _channels, _channels);
            int c = 0;
            for (; c <= _channels - width; c += width)
            {
                // y >= |t| with y = x * sign: one comparison for both polarities.
                var y = new Vector<short>(row[c..]) * new Vector<short>(_sign.AsSpan(c));
                var beyond = Vector.GreaterThanOrEqual(y, new Vector<short>(_level.AsSpan(c)));
                var wasBeyond = new Vector<short>(_wasBeyond.AsSpan(c));
                var left = new Vector<short>(_refractory.AsSpan(c));
                var crossing = Vector.AndNot(beyond, wasBeyond) & Vector.Equals(left, zero) & new Vector<short>(_enabled.AsSpan(c));
                left = Vector.Max(left - one, zero);
                if (crossing != zero)
                {
                    for (int lane = 0; lane < width; lane++)
                    {
                        if (crossing[lane] != 0)
                        {
                            sink.OnDetection(c + lane, start + (ulong)s, row[c + lane]);
                        }
                    }

                    left = Vector.ConditionalSelect(crossing, refractoryVector, left);
                }

                beyond.CopyTo(_wasBeyond.AsSpan(c));
                left.CopyTo(_refractory.AsSpan(c));
            }

            for (; c < _channels; c++)
            {
                bool beyond = row[c] * _sign[c] >= _level[c];
                if (beyond && _wasBeyond[c] == 0 && _refractory[c] == 0 && _enabled[c] != 0)
                {
                    sink.OnDetection(c, start + (ulong)s, row[c]);
                    _refractory[c] = (short)(refractory + 1);
                }

                _refractory[c] = (short)Math.Max(_refractory[c] - 1, 0);
                _wasBeyond[c] = beyond ? (short)-1 : (short)0;
            }
        }
    }

    private void Refresh()
    {
        if (_version == _settings.Version)
        {
            return;
        }

        for (int c = 0; c < _channels; c++)
        {
            short t = _settings.Thresholds[c];
            _sign[c] = t < 0 ? (short)-1 : (short)1;
            _level[c] = (short)Math.Abs((int)t);
            _enabled[c] = _settings.Enabled[c] ? (short)-1 : (short)0;
        }

        _version = _settings.Version;
    }
}
