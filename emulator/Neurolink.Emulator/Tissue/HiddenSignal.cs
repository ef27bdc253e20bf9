namespace Neurolink.Emulator.Tissue;

/// <summary>What the hidden 2-D "intended movement" does.</summary>
public enum HiddenSignalKind
{
    /// <summary>A smooth random trajectory: each axis an Ornstein-Uhlenbeck process, time constant 0.5 s.</summary>
    RandomTrajectory,

    /// <summary>A centre-out task: every 2 s a reach towards one of 8 targets with a bell-shaped speed profile.</summary>
    CentreOut,
}

/// <summary>
/// The hidden signal that the tuned neurons encode, sampled every millisecond: a 2-D velocity
/// with a standard deviation of about 1 per axis.
/// </summary>
public sealed class HiddenSignal
{
    private const double Dt = 0.001;
    private const double Tau = 0.5;
    private readonly HiddenSignalKind _kind;
    private Rng _rng;
    private long _step;
    private double _targetAngle;

    /// <summary>Creates the signal from its own random sub-stream.</summary>
    public HiddenSignal(HiddenSignalKind kind, ulong seed)
    {
        _kind = kind;
        _rng = Rng.For(seed, "hidden-signal");
    }

    /// <summary>Current x velocity.</summary>
    public double X { get; private set; }

    /// <summary>Current y velocity.</summary>
    public double Y { get; private set; }

    /// <summary>Advances by one millisecond.</summary>
    public void Step()
    {
        _step++;
        if (_kind == HiddenSignalKind.RandomTrajectory)
        {
            double a = Math.Exp(-Dt / Tau);
            double b = Math.Sqrt(1 - (a * a));
            X = (a * X) + (b * _rng.NextGaussian());
            Y = (a * Y) + (b * _rng.NextGaussian());
            return;
        }

        long phase = _step % 2000;
        if (phase == 0)
        {
            _targetAngle = _rng.Next(8) * Math.PI / 4;
        }

        // Out for the first second, back for the second, each a raised-cosine speed profile.
        double t = (phase % 1000) / 1000.0;
        double speed = 1.5 * (1 - Math.Cos(2 * Math.PI * t)) / 2 * (phase < 1000 ? 1 : -1);
        X = speed * Math.Cos(_targetAngle);
        Y = speed * Math.Sin(_targetAngle);
    }
}
