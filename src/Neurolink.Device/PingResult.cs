namespace Neurolink.Device;

/// <summary>One PING/PONG exchange.</summary>
/// <param name="RoundTrip">Host-measured round trip.</param>
/// <param name="DeviceClock">Device sample clock when the PING arrived.</param>
/// <param name="HostSeconds">Host monotonic time, seconds, of the round trip's midpoint.</param>
public readonly record struct PingResult(TimeSpan RoundTrip, ulong DeviceClock, double HostSeconds);
