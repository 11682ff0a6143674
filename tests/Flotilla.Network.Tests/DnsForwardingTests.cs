using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Flotilla.Tests.Harness;

namespace Flotilla.Network.Tests;

/// <summary>
/// Names the embedded DNS does not know are forwarded to the upstream resolvers. The upstream here is a DNS server
/// this test runs on a random loopback address (127.53.X.Y:53), so nothing leaves the machine; the name asked is a
/// made-up *.invalid one that only it answers.
/// </summary>
public sealed class DnsForwardingTests
{
    [Fact]
    public async Task Names_the_network_does_not_know_are_forwarded_to_the_upstream_resolver()
    {
        var upstreamAddress = IPAddress.Parse($"127.53.{Random.Shared.Next(1, 250)}.{Random.Shared.Next(1, 250)}");
        var asked = new ConcurrentQueue<string>();
        using var upstream = new DnsServer(new UdpServerTransport(new IPEndPoint(upstreamAddress, 53), 5000));
        upstream.QueryReceived += (_, e) =>
        {
            var query = (DnsMessage)e.Query;
            var response = query.CreateResponseInstance();
            var question = query.Questions[0];
            asked.Enqueue(question.Name.ToString());
            if (question.Name.Equals(DomainName.Parse("upstream-only.invalid")) && question.RecordType == RecordType.A)
            {
                response.AnswerRecords.Add(new ARecord(question.Name, 60, IPAddress.Parse("10.99.99.99")));
            }
            else if (!question.Name.Equals(DomainName.Parse("upstream-only.invalid")))
            {
                response.ReturnCode = ReturnCode.NxDomain;
            }

            e.Response = response;
            return Task.CompletedTask;
        };
        upstream.Start();

        var daemon = await Daemon.StartAsync($"--Plugins:network:default-subnet=10.220.{Random.Shared.Next(1, 250)}.0/24",
            $"--Plugins:network:dns-upstream={upstreamAddress}");
        try
        {
            await daemon.ImportBusyboxAsync();
            var subnet = $"10.221.{Random.Shared.Next(1, 250)}.0/24";
            Assert.Equal(0, (await daemon.CliAsync("network", "create", "--subnet", subnet, "fwd-net")).ExitCode);
            await daemon.CliAsync("run", "-d", "--name", "fwd-local", "--network", "fwd-net", "busybox", "sleep", "60");

            var forwarded = await daemon.CliAsync("run", "--rm", "--network", "fwd-net", "busybox", "nslookup", "upstream-only.invalid");
            Assert.True(forwarded.ExitCode == 0, forwarded.ToString());
            Assert.Contains("Address: 10.99.99.99", forwarded.Stdout);
            Assert.Contains("upstream-only.invalid.", asked);

            var local = await daemon.CliAsync("run", "--rm", "--network", "fwd-net", "busybox", "nslookup", "fwd-local");
            Assert.True(local.ExitCode == 0, local.ToString());
            var address = JsonDocument.Parse((await daemon.CliAsync("inspect", "fwd-local", "--format", "json")).Stdout).RootElement[0]
                .GetProperty("NetworkSettings").GetProperty("Networks").GetProperty("fwd-net").GetProperty("IPAddress").GetString();
            Assert.Contains($"Address: {address}", local.Stdout);
            Assert.DoesNotContain(asked, n => n.StartsWith("fwd-local", StringComparison.Ordinal)); // answered by the network, never forwarded
        }
        finally
        {
            await daemon.CliAsync("rm", "-f", "fwd-local");
            await daemon.DisposeAsync();
            upstream.Stop();
        }
    }
}
