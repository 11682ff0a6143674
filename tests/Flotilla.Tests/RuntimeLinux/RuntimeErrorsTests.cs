using Flotilla.Runtime.Linux;

namespace Flotilla.Tests.RuntimeLinux;

/// <summary>The OCI runtimes' JSON logs (what the monitor reports when `run -d` fails) said in docker's words.</summary>
public sealed class RuntimeErrorsTests
{
    [Fact]
    public void The_last_message_of_a_json_log_is_the_error()
    {
        const string log = "{\"msg\":\"some warning\",\"level\":\"warning\",\"time\":\"t\"} " +
                           "{\"msg\":\"open executable: Permission denied\",\"level\":\"error\",\"time\":\"t\"}";
        Assert.Equal("open executable: Permission denied", RuntimeErrors.Clean(log));
    }

    [Theory]
    // crun 1.8
    [InlineData("{\"msg\":\"executable file `nope` not found in $PATH: No such file or directory\",\"level\":\"error\"}")]
    // runc 1.1: the quotes are escaped inside the JSON string
    [InlineData("{\"level\":\"error\",\"msg\":\"runc run failed: unable to start container process: exec: \\\"nope\\\": executable file not found in $PATH\",\"time\":\"t\"}")]
    public void A_missing_command_reads_like_docker_for_both_runtimes(string log) =>
        Assert.Equal("exec: \"nope\": executable file not found in $PATH", RuntimeErrors.Clean(log));

    [Fact]
    public void Plain_text_is_kept() => Assert.Equal("something broke", RuntimeErrors.Clean("something broke\n"));
}
