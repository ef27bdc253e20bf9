namespace Neurolink.Mass.Tests;

[CollectionDefinition("allocation", DisableParallelization = true)]
public class AllocationGroup;

/// <summary>A step allocates nothing.</summary>
[Collection("allocation")]
public class AllocationTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Stepping_allocates_nothing(int threads)
    {
        using var mass = new CpuMass(NetworkBuilder.Build(Models.Cuba(4000, 1)), threads);
        long best = long.MaxValue;
        for (int round = 0; round < 20 && best > 0; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            mass.Run(1000);
            best = Math.Min(best, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, best);
    }
}
