using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Flotilla.Tests.Harness;

namespace Flotilla.Kvm.Tests;

/// <summary>A VM container joins a user-defined network as a namespace container does: addresses, names, -p.</summary>
[Collection("kvm")]
public sealed class NetworkTests(KvmDaemon shared)
{
    private Daemon D => shared.Daemon;

    [Fact]
    public async Task A_vm_reaches_a_namespace_container_by_address_and_name_and_its_published_port_answers_on_loopback()
    {
        var subnet = $"10.219.{Random.Shared.Next(1, 250)}.0/24";
        var net = "vm-net";
        await Ok("network", "create", "--subnet", subnet, net);
        try
        {
            var web = (await Ok("run", "-d", "--name", "vmnet-web", "--network", net, "busybox", "httpd", "-f", "-p", "80", "-h", "/")).Trim();
            var address = JsonDocument.Parse(await Ok("inspect", "vmnet-web", "--format", "json")).RootElement[0]
                .GetProperty("NetworkSettings").GetProperty("Networks").GetProperty(net).GetProperty("IPAddress").GetString()!;

            // A megabyte too, so that segmentation offloads between the veth, the tap and virtio-net are exercised.
            var busybox = (await Ok("exec", "vmnet-web", "md5sum", "/bin/busybox")).Split(' ')[0];
            var fetched = await Ok("run", "--rm", "--runtime", "kvm", "--network", net, "busybox", "sh", "-c",
                $"wget -q -O - http://{address}/etc/hostname && wget -q -O - http://vmnet-web/etc/hostname && wget -q -O - http://vmnet-web/bin/busybox | md5sum");
            Assert.Equal($"{web[..12]}\n{web[..12]}\n{busybox}  -\n", fetched);

            var port = Net.FreePort();
            var vm = (await Ok("run", "-d", "--name", "vmnet-vm", "--runtime", "kvm", "--network", net, "-p", $"{port}:80",
                "busybox", "httpd", "-f", "-p", "80", "-h", "/")).Trim();
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            Assert.Equal(vm[..12], (await Net.RetryAsync(() => http.GetStringAsync($"http://127.0.0.1:{port}/etc/hostname"), attempts: 40)).Trim());
            var bytes = await http.GetByteArrayAsync($"http://127.0.0.1:{port}/bin/busybox");
            Assert.Equal(busybox, Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(bytes)));
        }
        finally
        {
            await D.CliAsync("rm", "-f", "vmnet-web", "vmnet-vm");
            await D.CliAsync("network", "rm", net);
        }

        Assert.Empty(Vms.Of(D.RunDirectory));
    }

    private async Task<string> Ok(params string[] args)
    {
        var run = await D.CliAsync(args);
        Assert.True(run.ExitCode == 0, run.ToString());
        return run.Stdout;
    }
}
