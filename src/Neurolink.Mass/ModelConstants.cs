namespace Neurolink.Mass;

/// <summary>The exact-integration constants of a LIF population for one step.</summary>
internal readonly record struct LifCoefficients(float Dm, float De, float Di, float Ke, float Ki, float El, float Vt, float Vr, float RefSteps)
{
    public static LifCoefficients Of(LifCuba m, double dt) => new(
        (float)Math.Exp(-dt / m.TauMMs),
        (float)Math.Exp(-dt / m.TauEMs),
        (float)Math.Exp(-dt / m.TauIMs),
        (float)(m.TauEMs / (m.TauEMs - m.TauMMs) * (Math.Exp(-dt / m.TauEMs) - Math.Exp(-dt / m.TauMMs))),
        (float)(m.TauIMs / (m.TauIMs - m.TauMMs) * (Math.Exp(-dt / m.TauIMs) - Math.Exp(-dt / m.TauMMs))),
        (float)m.VRestMv,
        (float)m.VThreshMv,
        (float)m.VResetMv,
        (float)Math.Round(m.RefractoryMs / dt));
}

/// <summary>The constants of a conductance-based LIF population for one step (conductances in nS, capacitance in pF).</summary>
internal readonly record struct CobaCoefficients(float Gl, float El, float Ee, float Ei, float BiasPa, float DtOverC, float De, float Di, float Vt, float Vr, float RefSteps)
{
    public static CobaCoefficients Of(LifCoba m, double dt) => new(
        (float)m.LeakNs,
        (float)m.VRestMv,
        (float)m.EExcMv,
        (float)m.EInhMv,
        (float)(m.BiasNa * 1000),
        (float)(dt / m.CapacitancePf),
        (float)Math.Exp(-dt / m.TauEMs),
        (float)Math.Exp(-dt / m.TauIMs),
        (float)m.VThreshMv,
        (float)m.VResetMv,
        (float)Math.Round(m.RefractoryMs / dt));
}

/// <summary>The constants of an Izhikevich population for one step.</summary>
internal readonly record struct IzhikevichCoefficients(float Dt, float A, float B, float C, float D, float Peak, float Bias, float De, float Di)
{
    public static IzhikevichCoefficients Of(Izhikevich m, double dt) => new(
        (float)dt,
        (float)m.A,
        (float)m.B,
        (float)m.C,
        (float)m.D,
        (float)m.VPeakMv,
        (float)m.BiasCurrent,
        (float)Math.Exp(-dt / m.TauEMs),
        (float)Math.Exp(-dt / m.TauIMs));
}
