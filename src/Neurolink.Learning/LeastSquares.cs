namespace Neurolink.Learning;

/// <summary>
/// The offline bound of the decoding task: the least-squares linear decoder (with a constant
/// term) fitted to the calibration rows, scored on held-out rows.
/// </summary>
public static class LeastSquares
{
    /// <summary>
    /// Fits weights w minimising sum (x.w - y)^2 over <paramref name="rows"/>, each row's features
    /// with a constant 1 appended by the fit; a ridge of 1e-9 of the mean diagonal keeps the
    /// normal equations solvable when a feature never varies, and changes nothing else.
    /// </summary>
    /// <returns>One weight vector per target column (features + 1 each, the constant last).</returns>
    public static double[][] Fit(IReadOnlyList<float[]> rows, IReadOnlyList<float[]> targets)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(targets);
        if (rows.Count == 0 || rows.Count != targets.Count)
        {
            throw new ArgumentException($"{rows.Count} rows and {targets.Count} targets: give as many of each, at least one", nameof(rows));
        }

        int p = rows[0].Length + 1, outputs = targets[0].Length;
        var a = new double[p * p];
        var b = new double[outputs * p];
        var x = new double[p];
        for (int r = 0; r < rows.Count; r++)
        {
            for (int i = 0; i < p - 1; i++)
            {
                x[i] = rows[r][i];
            }

            x[p - 1] = 1;
            for (int i = 0; i < p; i++)
            {
                double xi = x[i];
                if (xi == 0)
                {
                    continue; // a channel silent so far adds nothing to its row
                }

                Span<double> row = a.AsSpan((i * p) + i, p - i);
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(x.AsSpan(i), xi, row, row);

                for (int k = 0; k < outputs; k++)
                {
                    b[(k * p) + i] += xi * targets[r][k];
                }
            }
        }

        double trace = 0;
        for (int i = 0; i < p; i++)
        {
            trace += a[(i * p) + i];
            for (int j = 0; j < i; j++)
            {
                a[(i * p) + j] = a[(j * p) + i];
            }
        }

        double ridge = 1e-9 * trace / p;
        for (int i = 0; i < p; i++)
        {
            a[(i * p) + i] += ridge;
        }

        Cholesky(a, p);
        var weights = new double[outputs][];
        for (int k = 0; k < outputs; k++)
        {
            weights[k] = Solve(a, p, b.AsSpan(k * p, p));
        }

        return weights;
    }

    /// <summary>The decoder's value for one row.</summary>
    public static double Predict(double[] weights, ReadOnlySpan<float> row)
    {
        ArgumentNullException.ThrowIfNull(weights);
        double y = weights[^1];
        for (int i = 0; i < row.Length; i++)
        {
            y += weights[i] * row[i];
        }

        return y;
    }

    /// <summary>The coefficient of determination, 1 - SSE / SST, of each column, averaged over the columns.</summary>
    public static double R2(IReadOnlyList<float[]> predicted, IReadOnlyList<float[]> actual)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(actual);
        if (actual.Count < 2 || predicted.Count != actual.Count)
        {
            return double.NaN;
        }

        int outputs = actual[0].Length;
        double sum = 0;
        for (int k = 0; k < outputs; k++)
        {
            double mean = 0;
            for (int r = 0; r < actual.Count; r++)
            {
                mean += actual[r][k];
            }

            mean /= actual.Count;
            double sse = 0, sst = 0;
            for (int r = 0; r < actual.Count; r++)
            {
                double e = predicted[r][k] - actual[r][k], d = actual[r][k] - mean;
                sse += e * e;
                sst += d * d;
            }

            sum += sst > 0 ? 1 - (sse / sst) : double.NaN;
        }

        return sum / outputs;
    }

    /// <summary>In-place Cholesky factor L (lower triangle) of a symmetric positive definite matrix.</summary>
    private static void Cholesky(double[] a, int p)
    {
        for (int j = 0; j < p; j++)
        {
            Span<double> rowJ = a.AsSpan(j * p, j);
            double d = a[(j * p) + j] - System.Numerics.Tensors.TensorPrimitives.Dot<double>(rowJ, rowJ);
            if (!(d > 0))
            {
                throw new InvalidOperationException("the calibration rows do not determine a least-squares decoder (the normal equations are singular): record for longer");
            }

            double l = Math.Sqrt(d);
            a[(j * p) + j] = l;
            for (int i = j + 1; i < p; i++)
            {
                double s = a[(i * p) + j] - System.Numerics.Tensors.TensorPrimitives.Dot<double>(a.AsSpan(i * p, j), rowJ);
                a[(i * p) + j] = s / l;
            }
        }
    }

    private static double[] Solve(double[] l, int p, ReadOnlySpan<double> b)
    {
        var y = new double[p];
        for (int i = 0; i < p; i++)
        {
            double s = b[i];
            for (int j = 0; j < i; j++)
            {
                s -= l[(i * p) + j] * y[j];
            }

            y[i] = s / l[(i * p) + i];
        }

        for (int i = p - 1; i >= 0; i--)
        {
            double s = y[i];
            for (int j = i + 1; j < p; j++)
            {
                s -= l[(j * p) + i] * y[j];
            }

            y[i] = s / l[(i * p) + i];
        }

        return y;
    }
}
