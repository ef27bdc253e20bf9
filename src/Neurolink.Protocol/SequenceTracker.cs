namespace Neurolink.Protocol;

/// <summary>
/// Per-stream sequence accounting (SPEC section 10, step 7): gaps mean frames lost on the link;
/// a sequence that goes backwards is a repeat or a reordering and does not move the expectation back.
/// </summary>
internal sealed class SequenceTracker
{
    private const int Streams = ushort.MaxValue + 1;

    private readonly uint[] _expected = new uint[Streams];
    private readonly bool[] _seen = new bool[Streams];

    public long Gaps { get; private set; }

    public long FramesLost { get; private set; }

    public long Regressions { get; private set; }

    /// <summary>Accounts for a frame; returns the number of frames missing before it (0 when in order).</summary>
    public uint Observe(ushort stream, uint sequence)
    {
        if (!_seen[stream])
        {
            _seen[stream] = true;
            _expected[stream] = sequence + 1;
            return 0;
        }

        uint distance = sequence - _expected[stream];
        if (distance >= 0x8000_0000u)
        {
            Regressions++;
            return 0;
        }

        if (distance != 0)
        {
            Gaps++;
            FramesLost += distance;
        }

        _expected[stream] = sequence + 1;
        return distance;
    }

    public void Reset() => Array.Clear(_seen);
}
