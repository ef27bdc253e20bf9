namespace Neurolink.Mass.Gpu;

/// <summary>Per-neuron firing statistics kept on the device (read with one copy at the end of a run).</summary>
/// <param name="Count">Spikes per neuron.</param>
/// <param name="IsiSum">Sum of inter-spike intervals, in steps.</param>
/// <param name="IsiSquares">Sum of their squares.</param>
public sealed record class FiringStatistics(int[] Count, long[] IsiSum, long[] IsiSquares)
{
    /// <summary>The coefficient of variation of neuron i's intervals (NaN under three intervals).</summary>
    public double Cv(int i)
    {
        int k = Count[i] - 1;
        if (k < 3)
        {
            return double.NaN;
        }

        double mean = (double)IsiSum[i] / k;
        double variance = Math.Max(0, ((double)IsiSquares[i] / k) - (mean * mean));
        return Math.Sqrt(variance) / mean;
    }
}
