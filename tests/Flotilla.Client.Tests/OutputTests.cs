using Flotilla.Cli;
using Flotilla.Cli.Commands;
using Flotilla.Cli.Output;
using Flotilla.Client.Models;

namespace Flotilla.Client.Tests;

public sealed class HumanizeTests
{
    [Theory]
    [InlineData(0, "Less than a second")]
    [InlineData(0.9, "Less than a second")]
    [InlineData(1, "1 second")]
    [InlineData(3, "3 seconds")]
    [InlineData(59, "59 seconds")]
    [InlineData(60, "About a minute")]
    [InlineData(119, "About a minute")]
    [InlineData(120, "2 minutes")]
    [InlineData(59 * 60 + 59, "59 minutes")]
    [InlineData(60 * 60, "About an hour")]
    [InlineData(90 * 60 - 1, "About an hour")]
    [InlineData(90 * 60, "2 hours")] // docker rounds half an hour up
    [InlineData(47 * 3600, "47 hours")]
    [InlineData(48 * 3600, "2 days")]
    [InlineData(14 * 24 * 3600, "2 weeks")]
    [InlineData(60 * 24 * 3600, "2 months")]
    [InlineData(2 * 365 * 24 * 3600, "2 years")]
    public void Durations_read_like_docker(double seconds, string text) => Assert.Equal(text, Humanize.Duration(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void Ago_counts_back_from_now()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        Assert.Equal("3 seconds ago", Humanize.Ago(now.AddSeconds(-3), now));
        Assert.Equal("Less than a second ago", Humanize.Ago(now.AddSeconds(2), now)); // a clock a little ahead
    }

    [Theory]
    [InlineData(0, "0B")]
    [InlineData(999, "999B")]
    [InlineData(1000, "1kB")]
    [InlineData(4_300_000, "4.3MB")]
    [InlineData(2_129_920, "2.13MB")]
    [InlineData(12_340_000, "12.3MB")]
    [InlineData(123_400_000, "123MB")]
    [InlineData(999_999, "1MB")]
    [InlineData(1_500_000_000, "1.5GB")]
    public void Sizes_are_decimal_with_three_digits(long bytes, string text) => Assert.Equal(text, Humanize.Size(bytes));

    [Theory]
    [InlineData("sha256:d0788524dbd9f00e2b8a7b2c6f0e1c1f", "d0788524dbd9")]
    [InlineData("8e3f0b1a2c4d5e6f7a8b9c0d", "8e3f0b1a2c4d")]
    [InlineData("short", "short")]
    public void Ids_are_cut_to_twelve_characters(string id, string shortId) => Assert.Equal(shortId, Humanize.ShortId(id));

    [Theory]
    [InlineData("echo hello", "\"echo hello\"")]
    [InlineData("sh -c while true; do date; done", "\"sh -c while true; d…\"")]
    public void Commands_are_quoted_and_cut(string command, string text) => Assert.Equal(text, Humanize.Command(command));
}

public sealed class TableTests
{
    [Fact]
    public void Columns_are_as_wide_as_their_widest_cell_plus_three_spaces()
    {
        var table = Table.Render(["A", "LONG HEADER", "C"], [["wide cell", "x", "last"], ["y", "", "z"]]);
        Assert.Equal(
            "A           LONG HEADER   C\n" +
            "wide cell   x             last\n" +
            "y                         z\n", table);
    }

    [Fact]
    public void A_row_with_the_wrong_number_of_cells_is_a_bug_not_a_garbled_table()
    {
        Assert.Throws<ArgumentException>(() => Table.Render(["A", "B"], [["only one"]]));
    }

    [Fact]
    public void Ps_prints_docker_headers_short_ids_and_names_without_slash()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_100);
        var table = ContainerCommands.PsTable(
        [
            new ContainerSummary
            {
                Id = "0123456789abcdef0123", Names = ["/web"], Image = "busybox", Command = "sleep 100",
                Created = 1_700_000_000, Status = "Up About a minute",
            },
            new ContainerSummary
            {
                Id = "fedcba9876543210fedc", Names = ["/quick-one"], Image = "busybox:latest", Command = "echo hi",
                Created = 1_700_000_097, Status = "Exited (0) 2 seconds ago",
            },
        ], now);
        Assert.Equal(
            "CONTAINER ID   IMAGE            COMMAND       CREATED              STATUS                     PORTS   NAMES\n" +
            "0123456789ab   busybox          \"sleep 100\"   About a minute ago   Up About a minute                  web\n" +
            "fedcba987654   busybox:latest   \"echo hi\"     3 seconds ago        Exited (0) 2 seconds ago           quick-one\n", table);
    }

    [Fact]
    public void Images_prints_one_row_per_tag_and_none_for_untagged()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_600);
        var table = ImageCommands.ImagesTable(
        [
            new ImageSummary { Id = "sha256:d0788524dbd9aaaa", RepoTags = ["busybox:latest", "localhost:5000/bb:1"], Created = 1_700_000_000, Size = 2_129_920 },
            new ImageSummary { Id = "sha256:0000111122223333", RepoTags = [], Created = 1_700_000_000, Size = 999 },
        ], now);
        Assert.Equal(
            "REPOSITORY          TAG      IMAGE ID       CREATED          SIZE\n" +
            "busybox             latest   d0788524dbd9   10 minutes ago   2.13MB\n" +
            "localhost:5000/bb   1        d0788524dbd9   10 minutes ago   2.13MB\n" +
            "<none>              <none>   000011112222   10 minutes ago   999B\n", table);
    }
}

public sealed class ExitCodeTests
{
    [Theory]
    [InlineData("exec: \"nosuch\": executable file not found in $PATH", 127)]
    [InlineData("exec /bin/x: no such file or directory", 127)]
    [InlineData("exec: \"/etc/passwd\": permission denied", 126)]
    [InlineData("exec: \"/bin\": is a directory", 126)]
    [InlineData("No such image: nothing:latest", 125)]
    [InlineData("Conflict. The container name \"/web\" is already in use", 125)]
    public void A_start_failure_exits_like_docker_run(string message, int code) => Assert.Equal(code, ExitCodes.ForStartFailure(message));
}
