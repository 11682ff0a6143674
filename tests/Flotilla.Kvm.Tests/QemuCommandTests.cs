using Flotilla.Hypervisor.Kvm;

namespace Flotilla.Kvm.Tests;

public sealed class QemuCommandTests
{
    private static readonly VmFiles Files = new("abc", "/scratch/with,comma");

    [Fact]
    public void Tcg_gets_the_hosts_tsc_rate_and_kvm_the_host_cpu()
    {
        var tcg = QemuCommand.Build("qemu", Files, "/k", kvm: false, tscKhz: 2300000, 128L << 20, 1, []);
        Assert.Contains(tcg, a => a.Contains("tsc_early_khz=2300000"));
        Assert.DoesNotContain("host", tcg);
        Assert.Equal("tcg", tcg[tcg.IndexOf("-accel") + 1]);

        var kvm = QemuCommand.Build("qemu", Files, "/k", kvm: true, tscKhz: 2300000, 128L << 20, 1, []);
        Assert.DoesNotContain(kvm, a => a.Contains("tsc_early_khz"));
        Assert.Equal("host", kvm[kvm.IndexOf("-cpu") + 1]);
    }

    [Fact]
    public void Memory_cpus_and_shares_become_options_with_commas_escaped()
    {
        var argv = QemuCommand.Build("qemu", Files, "/k", false, 1, 128L << 20, QemuCommand.Cpus(1_500_000_000),
            [new HostShare("rootfs", "/a,b", false), new HostShare("vol0", "/v", true)]);
        Assert.Equal("128M", argv[argv.IndexOf("-m") + 1]);
        Assert.Equal("2", argv[argv.IndexOf("-smp") + 1]);
        Assert.Contains("local,id=fs0,path=/a,,b,security_model=passthrough", argv);
        Assert.Contains("local,id=fs1,path=/v,security_model=passthrough,readonly=on", argv);
        Assert.Contains("virtio-9p-device,fsdev=fs1,mount_tag=vol0", argv);
        Assert.Contains("pipe,id=io,path=/scratch/with,,comma/vm/io", argv);
        Assert.Contains("flotilla-abc", argv);
    }

    [Fact]
    public void A_network_card_runs_qemu_in_the_namespace_with_the_tap_and_mac()
    {
        var argv = QemuCommand.Build("qemu", Files, "/k", false, 1, 128L << 20, 1, [], new VmNetwork("/run/ns/x", "tap0", "02:42:0a:00:00:02"));
        Assert.Equal(["nsenter", "--net=/run/ns/x", "qemu"], argv[..3]);
        Assert.Contains("tap,id=net0,ifname=tap0,script=no,downscript=no", argv);
        Assert.Contains("virtio-net-device,netdev=net0,mac=02:42:0a:00:00:02", argv);
        Assert.DoesNotContain("nsenter", QemuCommand.Build("qemu", Files, "/k", false, 1, 128L << 20, 1, []));
    }

    [Fact]
    public void The_guests_address_gateway_mtu_and_mac_come_from_iproute2s_json()
    {
        var nic = NamespaceNic.Parse(
            """[{"ifindex":3,"ifname":"eth0","mtu":1450,"link_type":"ether","address":"c2:d5:88:9c:5b:dd"}]""",
            """[{"ifindex":3,"ifname":"eth0","mtu":1450,"addr_info":[{"family":"inet","local":"10.9.9.2","prefixlen":24}]}]""",
            """[{"dst":"default","gateway":"10.9.9.1","dev":"eth0","flags":[]}]""");
        Assert.Equal((new Flotilla.Guest.GuestNetwork("10.9.9.2", 24, "10.9.9.1", 1450), "c2:d5:88:9c:5b:dd"), nic);
        Assert.Null(NamespaceNic.Parse("""[{"ifname":"eth0","mtu":1500,"address":"c2:d5:88:9c:5b:dd"}]""", "[]", "[]"));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(10_000_000, 1)]
    [InlineData(1_000_000_000, 1)]
    [InlineData(1_000_000_001, 2)]
    [InlineData(4_000_000_000, 4)]
    public void Cpus_round_up_to_whole_vcpus(long nanoCpus, int vcpus) => Assert.Equal(vcpus, QemuCommand.Cpus(nanoCpus));
}
