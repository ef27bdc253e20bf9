using System.Xml.Linq;

namespace Neurolink.Learning.Tests;

public sealed class CurveSvgTests
{
    [Fact]
    public void The_picture_is_valid_svg_with_a_line_through_every_point_and_each_reference_line()
    {
        CurvePoint[] curve = [new(0, -0.05), new(5, 0.3), new(10, 0.8)];
        string svg = CurveSvg.Draw("a <title> & more", "R^2", curve, [("bound", 0.9), ("undefined", double.NaN)]);

        XDocument doc = XDocument.Parse(svg); // well-formed: the title's < and & are escaped
        XNamespace ns = "http://www.w3.org/2000/svg";
        XElement line = Assert.Single(doc.Descendants(ns + "polyline"));
        Assert.Equal(3, line.Attribute("points")!.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains(doc.Descendants(ns + "text"), t => t.Value == "bound 0.9");
        Assert.DoesNotContain(doc.Descendants(ns + "text"), t => t.Value.StartsWith("undefined", StringComparison.Ordinal));
        Assert.DoesNotContain(doc.Descendants(ns + "text"), t => t.Value == "-0"); // the axis starts at a whole tenth
    }
}
