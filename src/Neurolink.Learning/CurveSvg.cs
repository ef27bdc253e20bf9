using System.Globalization;
using System.Text;

namespace Neurolink.Learning;

/// <summary>A learning curve drawn as an SVG picture: the curve against simulated time, with horizontal reference lines (a bound, a target).</summary>
public static class CurveSvg
{
    private const int Width = 720, Height = 400, Left = 60, Right = 20, Top = 40, Bottom = 50;

    /// <summary>Draws <paramref name="curve"/> with its reference lines; the vertical axis spans the data and the lines.</summary>
    public static string Draw(string title, string valueLabel, IReadOnlyList<CurvePoint> curve, IReadOnlyList<(string Label, double Value)> lines) =>
        Draw(title, valueLabel, [("", curve)], lines);

    /// <summary>Draws several labelled curves with reference lines.</summary>
    public static string Draw(string title, string valueLabel, IReadOnlyList<(string Label, IReadOnlyList<CurvePoint> Points)> curves, IReadOnlyList<(string Label, double Value)> lines)
    {
        ArgumentNullException.ThrowIfNull(curves);
        ArgumentNullException.ThrowIfNull(lines);
        List<CurvePoint> all = [.. curves.SelectMany(c => c.Points)];
        double tMax = all.Count > 0 ? all.Max(p => p.SimulatedSeconds) : 1;
        IEnumerable<double> values = all.Select(p => p.Value).Concat(lines.Select(l => l.Value)).Where(double.IsFinite);
        double lo = Math.Min(0, values.DefaultIfEmpty(0).Min()), hi = Math.Max(1, values.DefaultIfEmpty(1).Max());
        lo = Math.Max(Math.Floor(lo * 10) / 10, -1); // whole tenths; a curve that starts far below 0 would squash the rest
        hi = Math.Ceiling(hi * 10) / 10;
        double X(double t) => Left + ((Width - Left - Right) * t / Math.Max(tMax, 1e-9));
        double Y(double v) => Top + ((Height - Top - Bottom) * (hi - Math.Clamp(v, lo, hi)) / (hi - lo));
        static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{Escape(title)}</text>\n");

        // Axes, ticks every fifth of the range.
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Height - Bottom}\" x2=\"{Width - Right}\" y2=\"{Height - Bottom}\" stroke=\"black\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Height - Bottom}\" stroke=\"black\"/>\n");
        for (int i = 0; i <= 5; i++)
        {
            double t = tMax * i / 5, v = lo + ((hi - lo) * i / 5);
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(X(t))}\" y=\"{Height - Bottom + 18}\" text-anchor=\"middle\">{t:0.#}</text>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{F(Y(v) + 4)}\" text-anchor=\"end\">{v:0.##}</text>\n");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 12}\" text-anchor=\"middle\">simulated time (s)</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"16\" y=\"{(Top + Height - Bottom) / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {(Top + Height - Bottom) / 2})\">{Escape(valueLabel)}</text>\n");

        string[] colours = ["#c0392b", "#7f8c8d", "#27ae60"];
        for (int i = 0; i < lines.Count; i++)
        {
            (string label, double value) = lines[i];
            if (!double.IsFinite(value))
            {
                continue;
            }

            string colour = colours[i % colours.Length];
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{F(Y(value))}\" x2=\"{Width - Right}\" y2=\"{F(Y(value))}\" stroke=\"{colour}\" stroke-dasharray=\"6 4\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right - 4}\" y=\"{F(Y(value) - 5)}\" text-anchor=\"end\" fill=\"{colour}\">{Escape(label)} {value:0.###}</text>\n");
        }

        string[] inks = ["#2c3e50", "#8e44ad", "#16a085"];
        for (int c = 0; c < curves.Count; c++)
        {
            (string label, IReadOnlyList<CurvePoint> points) = curves[c];
            if (points.Count == 0)
            {
                continue;
            }

            string ink = inks[c % inks.Length];
            svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{ink}\" stroke-width=\"2\" points=\"");
            foreach (CurvePoint p in points.Where(p => double.IsFinite(p.Value)))
            {
                svg.Append(CultureInfo.InvariantCulture, $"{F(X(p.SimulatedSeconds))},{F(Y(p.Value))} ");
            }

            svg.Append("\"/>\n");
            if (label.Length > 0)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + 8}\" y=\"{Top + 14 + (14 * c)}\" fill=\"{ink}\">{Escape(label)}</text>\n");
            }
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static string Escape(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
