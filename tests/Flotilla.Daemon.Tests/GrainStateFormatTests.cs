using Flotilla.Grains.Tasks;
using Flotilla.Host.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Serialization;
using Orleans.Storage;
using Xunit;

namespace Flotilla.Daemon.Tests;

/// <summary>Grain state is written in Orleans' binary format; state an earlier version wrote as JSON still reads.</summary>
public sealed class GrainStateFormatTests
{
    internal static readonly TaskRecord Task = new()
    {
        Id = "t1", ServiceId = "s1", ServiceName = "web", Slot = 3, Node = "n2", State = TaskState.Running,
        Template = new Flotilla.Grains.Services.TaskTemplate { Image = "busybox", Command = ["sleep", "60"] },
        CreatedAt = new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero), Version = 4,
    };

    /// <summary>The format as the daemon has it, and the JSON serializer Orleans' storage used by default.</summary>
    internal static (GrainStateFormat Format, IGrainStorageSerializer Json) Serializers()
    {
        // The JSON settings Orleans used by default for grain storage (type names, grain references) need a client's services.
        var services = new ServiceCollection().AddOrleansClient(c => c.UseLocalhostClustering()).BuildServiceProvider();
        var json = new JsonGrainStorageSerializer(new OrleansJsonSerializer(Options.Create(new OrleansJsonSerializerOptions
        {
            JsonSerializerSettings = OrleansJsonSerializerSettings.GetDefaultSerializerSettings(services),
        })));
        var binary = new ServiceCollection().AddSerializer(s => s.AddAssembly(typeof(TaskRecord).Assembly)).BuildServiceProvider()
            .GetRequiredService<Serializer>();
        return (new GrainStateFormat(binary, json), json);
    }

    [Fact]
    public void StateRoundTripsInTheBinaryFormat()
    {
        var (format, _) = Serializers();
        var written = format.Serialize(Task);
        Assert.NotEqual((byte)'{', written[0]);
        Assert.Equal(Task, format.Deserialize<TaskRecord>(written)! with { Template = Task.Template });
        Assert.Equal(["sleep", "60"], format.Deserialize<TaskRecord>(written)!.Template!.Command!);
    }

    [Fact]
    public void StateWrittenAsJsonByAnEarlierVersionIsRead()
    {
        var (format, json) = Serializers();
        var legacy = json.Serialize(Task);
        Assert.Equal((byte)'{', legacy.ToMemory().Span[0]);
        var read = format.Deserialize<TaskRecord>(legacy.ToArray())!;
        Assert.Equal(Task with { Template = null }, read with { Template = null });
        Assert.Equal("busybox", read.Template!.Image);
    }
}
