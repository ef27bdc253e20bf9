namespace Neurolink.Emulator.Tests;

/// <summary>Ridge least squares, fitted on the first rows and scored (R^2) on the rest.</summary>
public static class Decoder
{
    public static double FitAndScore(List<double[]> rows, List<double> target, int train)
    {
        int p = rows[0].Length;
        var a = new double[p, p];
        var b = new double[p];
        for (int i = 0; i < train; i++)
        {
            double[] r = rows[i];
            for (int j = 0; j < p; j++)
            {
                double rj = r[j];
                if (rj == 0)
                {
                    continue;
                }

                b[j] += rj * target[i];
                for (int k = 0; k <= j; k++)
                {
                    a[j, k] += rj * r[k];
                }
            }
        }

        for (int j = 0; j < p; j++)
        {
            a[j, j] += 1.0;
            for (int k = j + 1; k < p; k++)
            {
                a[j, k] = a[k, j];
            }
        }

        double[] w = Solve(a, b);
        double mean = target.Skip(train).Average();
        double ssRes = 0, ssTot = 0;
        for (int i = train; i < rows.Count; i++)
        {
            double predicted = 0;
            for (int j = 0; j < p; j++)
            {
                predicted += w[j] * rows[i][j];
            }

            ssRes += Math.Pow(target[i] - predicted, 2);
            ssTot += Math.Pow(target[i] - mean, 2);
        }

        return 1 - (ssRes / ssTot);
    }

    /// <summary>Cholesky solve of a symmetric positive definite system.</summary>
    private static double[] Solve(double[,] a, double[] b)
    {
        int n = b.Length;
        var l = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double sum = a[i, j];
                for (int k = 0; k < j; k++)
                {
                    sum -= l[i, k] * l[j, k];
                }

                l[i, j] = i == j ? Math.Sqrt(sum) : sum / l[j, j];
            }
        }

        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            double sum = b[i];
            for (int k = 0; k < i; k++)
            {
                sum -= l[i, k] * y[k];
            }

            y[i] = sum / l[i, i];
        }

        var x = new double[n];
        for (int i = n - 1; i >= 0; i--)
        {
            double sum = y[i];
            for (int k = i + 1; k < n; k++)
            {
                sum -= l[k, i] * x[k];
            }

            x[i] = sum / l[i, i];
        }

        return x;
    }
}
