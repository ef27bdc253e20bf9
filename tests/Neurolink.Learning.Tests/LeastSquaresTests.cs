namespace Neurolink.Learning.Tests;

public sealed class LeastSquaresTests
{
    [Fact]
    public void The_fit_recovers_a_linear_map_with_its_constant_and_scores_it_one()
    {
        var rng = new Random(1);
        var rows = new List<float[]>();
        var targets = new List<float[]>();
        for (int r = 0; r < 200; r++)
        {
            float[] x = [(float)rng.NextDouble(), (float)rng.NextDouble(), (float)rng.NextDouble()];
            rows.Add(x);
            targets.Add([(2 * x[0]) - x[2] + 0.5f, (3 * x[1]) - 1]);
        }

        double[][] w = LeastSquares.Fit(rows, targets);
        Assert.Equal([2, 0, -1, 0.5], w[0], (a, b) => Math.Abs(a - b) < 1e-4);
        Assert.Equal([0, 3, 0, -1], w[1], (a, b) => Math.Abs(a - b) < 1e-4);
        List<float[]> predicted = [.. rows.Select(r => new[] { (float)LeastSquares.Predict(w[0], r), (float)LeastSquares.Predict(w[1], r) })];
        Assert.Equal(1, LeastSquares.R2(predicted, targets), 4);
    }

    [Fact]
    public void Predicting_the_mean_scores_zero_and_worse_than_the_mean_scores_below_zero()
    {
        List<float[]> actual = [[1f], [2f], [3f], [4f]];
        Assert.Equal(0, LeastSquares.R2([[2.5f], [2.5f], [2.5f], [2.5f]], actual), 6);
        Assert.True(LeastSquares.R2([[4f], [3f], [2f], [1f]], actual) < 0);
    }

    [Fact]
    public void Rows_and_targets_that_do_not_pair_up_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => LeastSquares.Fit([[1f]], []));
        Assert.Contains("as many of each", e.Message, StringComparison.Ordinal);
    }
}
