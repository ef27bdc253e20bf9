namespace Neurolink.Protocol.Tests.Vectors;

/// <summary>Finds <c>firmware-protocol/vectors/</c> in the checkout the tests run from.</summary>
public static class VectorFiles
{
    public static string Directory { get; } = Locate();

    public static IEnumerable<string> Names() =>
        System.IO.Directory.EnumerateFiles(Directory, "*.vec").Select(Path.GetFileNameWithoutExtension).Order()!;

    public static TestVector Load(string name) => TestVector.Parse(File.ReadAllText(Path.Combine(Directory, name + ".vec")));

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "firmware-protocol", "vectors");
            if (System.IO.Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"firmware-protocol/vectors not found above {AppContext.BaseDirectory}; run the tests from a Neurolink checkout");
    }
}
