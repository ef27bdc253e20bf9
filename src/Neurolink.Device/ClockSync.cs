namespace Neurolink.Device;

/// <summary>
/// Maps the device sample clock to host monotonic time, and gives the device clock's drift from
/// its nominal rate in parts per million, online. Each observation is a PING: the device clock
/// when the PING arrived, paired with the host time of the round trip's midpoint. An exchange
/// delayed on either side (a descheduled thread, a busy link) has a long round trip and an
/// uncertain midpoint, so the fit uses only the fastest fifth of the round trips in its window,
/// by least squares.
/// </summary>
public sealed class ClockSync
{
    private readonly double _nominalRateHz;
    private readonly (double Host, double Clock, double Rtt)[] _window;
    private double _t0 = double.NaN;
    private ulong _c0;
    private int _next;
    private long _count;
    private (double Rate, double Offset, int Used, double RateError)? _fit;

    /// <summary>Creates an estimator for a device sampling at <paramref name="nominalRateHz"/>, over the last <paramref name="window"/> observations.</summary>
    public ClockSync(double nominalRateHz, int window = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nominalRateHz);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 2);
        _nominalRateHz = nominalRateHz;
        _window = new (double, double, double)[window];
    }

    /// <summary>Observations so far (including those that fell out of the window).</summary>
    public long Count => _count;

    /// <summary>Observations the last fit used (the fastest round trips in the window).</summary>
    public int UsedInFit => Fit().Used;

    /// <summary>Adds an observation: host monotonic seconds, device clock in samples, and the round trip it came from.</summary>
    public void Add(double hostSeconds, ulong deviceClock, double roundTripSeconds = 0)
    {
        if (double.IsNaN(_t0))
        {
            // Centre on the first observation so the sums stay well conditioned over days.
            _t0 = hostSeconds;
            _c0 = deviceClock;
        }

        double clock = deviceClock >= _c0 ? deviceClock - _c0 : -(double)(_c0 - deviceClock);
        _window[_next] = (hostSeconds - _t0, clock, roundTripSeconds);
        _next = (_next + 1) % _window.Length;
        _count++;
        _fit = null;
    }

    /// <summary>Forgets every observation (the device was power-cycled: its clock started again).</summary>
    public void Reset()
    {
        _t0 = double.NaN;
        _count = 0;
        _next = 0;
        _fit = null;
    }

    /// <summary>Device samples per host second, or NaN with fewer than two usable observations at distinct times.</summary>
    public double RateHz => Fit().Rate;

    /// <summary>How fast the device clock runs against nominal: positive is fast, in ppm (NaN until known).</summary>
    public double DriftPpm => (RateHz / _nominalRateHz - 1) * 1e6;

    /// <summary>
    /// Standard error of <see cref="DriftPpm"/>, ppm, from the scatter of the points the fit used
    /// about the fitted line (NaN with fewer than three). A drift is only known to be outside a
    /// specification when it lies several of these beyond it; the error shrinks with a longer run.
    /// </summary>
    public double DriftErrorPpm => Fit().RateError / _nominalRateHz * 1e6;

    /// <summary>Host monotonic seconds at which the device clock reads <paramref name="deviceClock"/> (NaN until known).</summary>
    public double HostSecondsAt(ulong deviceClock)
    {
        (double rate, double offset, _, _) = Fit();
        double clock = deviceClock >= _c0 ? deviceClock - _c0 : -(double)(_c0 - deviceClock);
        return _t0 + ((clock - offset) / rate);
    }

    private (double Rate, double Offset, int Used, double RateError) Fit()
    {
        if (_fit is { } cached)
        {
            return cached;
        }

        int n = (int)Math.Min(_count, _window.Length);
        if (n < 2)
        {
            return (double.NaN, double.NaN, 0, double.NaN);
        }

        var rtts = new double[n];
        for (int i = 0; i < n; i++)
        {
            rtts[i] = _window[i].Rtt;
        }

        Array.Sort(rtts);
        double limit = rtts[Math.Max(1, (n / 5) - 1)];
        double sumT = 0, sumC = 0, sumTT = 0, sumTC = 0;
        int used = 0;
        for (int i = 0; i < n; i++)
        {
            (double t, double c, double rtt) = _window[i];
            if (rtt <= limit)
            {
                used++;
                sumT += t;
                sumC += c;
                sumTT += t * t;
                sumTC += t * c;
            }
        }

        double d = (used * sumTT) - (sumT * sumT);
        if (used < 2 || d <= 1e-12 * used * used)
        {
            return (double.NaN, double.NaN, used, double.NaN);
        }

        double rate = ((used * sumTC) - (sumT * sumC)) / d;
        double offset = (sumC - (rate * sumT)) / used;

        // Standard error of the slope: residual variance over the spread of the times.
        double squares = 0;
        for (int i = 0; i < n; i++)
        {
            (double t, double c, double rtt) = _window[i];
            if (rtt <= limit)
            {
                double r = c - ((rate * t) + offset);
                squares += r * r;
            }
        }

        double rateError = used > 2 ? Math.Sqrt(squares / (used - 2) / (d / used)) : double.NaN;
        _fit = (rate, offset, used, rateError);
        return _fit.Value;
    }
}
