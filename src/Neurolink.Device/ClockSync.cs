namespace Neurolink.Device;

/// <summary>
/// Maps the device sample clock to host time by least squares over (host time, device clock)
/// pairs, such as PONG receive clocks against round-trip midpoints, and gives the device clock's
/// drift from its nominal rate in parts per million.
/// </summary>
public sealed class ClockSync
{
    private readonly double _nominalRateHz;
    private double _t0 = double.NaN;
    private double _c0;
    private long _n;
    private double _sumT, _sumC, _sumTT, _sumTC;

    /// <summary>Creates an estimator for a device sampling at <paramref name="nominalRateHz"/>.</summary>
    public ClockSync(double nominalRateHz)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nominalRateHz);
        _nominalRateHz = nominalRateHz;
    }

    /// <summary>Pairs observed.</summary>
    public long Count => _n;

    /// <summary>Adds a pair: host monotonic seconds, device clock in samples.</summary>
    public void Add(double hostSeconds, ulong deviceClock)
    {
        if (double.IsNaN(_t0))
        {
            // Centre on the first pair so the sums stay well conditioned over hours.
            _t0 = hostSeconds;
            _c0 = deviceClock;
        }

        double t = hostSeconds - _t0;
        double c = deviceClock - _c0;
        _n++;
        _sumT += t;
        _sumC += c;
        _sumTT += t * t;
        _sumTC += t * c;
    }

    /// <summary>Device samples per host second, or NaN with fewer than two distinct times.</summary>
    public double RateHz
    {
        get
        {
            double d = (_n * _sumTT) - (_sumT * _sumT);
            return _n < 2 || d <= 0 ? double.NaN : ((_n * _sumTC) - (_sumT * _sumC)) / d;
        }
    }

    /// <summary>How fast the device clock runs against nominal: positive is fast, in ppm (NaN until known).</summary>
    public double DriftPpm => (RateHz / _nominalRateHz - 1) * 1e6;
}
