using Flotilla.Runtime.Linux;

namespace Flotilla.Tests.RuntimeLinux;

/// <summary>Where the monitor reads a container's OOM kills, by cgroup layout.</summary>
public sealed class CgroupLayoutTests
{
    [Theory]
    [InlineData(CgroupMode.V1, "/sys/fs/cgroup/memory/flotilla/abc/memory.oom_control")]
    [InlineData(CgroupMode.Hybrid, "/sys/fs/cgroup/memory/flotilla/abc/memory.oom_control")]
    [InlineData(CgroupMode.V2, "/sys/fs/cgroup/flotilla/abc/memory.events")]
    public void Oom_counter_is_in_the_memory_hierarchy_the_runtime_uses(CgroupMode mode, string file) =>
        Assert.Equal(file, new CgroupLayout(mode, []).OomCounterFile("/flotilla/abc"));

}
