using System.Text.Json.Nodes;
using Flotilla.Hypervisor.HyperV;
using Flotilla.Hypervisor.Vm;

namespace Flotilla.Hypervisors.Tests;

public sealed class HcsDocumentTests
{
    private static readonly VmRequest Request = new(
        "c0ffee",
        @"C:\ProgramData\flotilla\plugins\hypervisor-hyperv\vmlinux",
        @"C:\ProgramData\flotilla\containers\c0ffee\initrd.img",
        1024,
        2,
        [new VmShare("rootfs", @"C:\ProgramData\flotilla\containers\c0ffee\rootfs", false), new VmShare("vol0", @"C:\data", true)],
        @"C:\ProgramData\flotilla\plugins\hypervisor-hyperv\containers\c0ffee");

    [Fact]
    public void Create_document_is_hcsshims_kernel_direct_lcow_document_with_our_shares_and_channel()
    {
        // hcsshim's own example of what MakeLCOWDoc sends (internal/uvm/create_lcow.go), with its GCS command line
        // replaced by ours, its SCSI controller dropped (no disks), and our Plan9 shares and hvsocket service added.
        var expected = JsonNode.Parse("""
            {
                "Owner": "flotillad",
                "SchemaVersion": { "Major": 2, "Minor": 1 },
                "VirtualMachine": {
                    "StopOnReset": true,
                    "Chipset": {
                        "LinuxKernelDirect": {
                            "KernelFilePath": "C:\\ProgramData\\flotilla\\plugins\\hypervisor-hyperv\\vmlinux",
                            "InitRdPath": "C:\\ProgramData\\flotilla\\containers\\c0ffee\\initrd.img",
                            "KernelCmdLine": "8250_core.nr_uarts=0 panic=-1 quiet pci=off nr_cpus=2 brd.rd_nr=0 pmtmr=0 initcall_blacklist=virtio_vsock_init flotilla.channel=vsock:1024 flotilla.fs=9p-vsock:564"
                        }
                    },
                    "ComputeTopology": {
                        "Memory": { "SizeInMB": 1024, "AllowOvercommit": true },
                        "Processor": { "Count": 2 }
                    },
                    "Devices": {
                        "HvSocket": {
                            "HvSocketConfig": {
                                "DefaultBindSecurityDescriptor": "D:P(A;;FA;;;SY)(A;;FA;;;BA)",
                                "ServiceTable": {
                                    "00000400-facb-11e6-bd58-64006a7986d3": {
                                        "BindSecurityDescriptor": "D:P(A;;FA;;;SY)(A;;FA;;;BA)",
                                        "ConnectSecurityDescriptor": "D:P(A;;FA;;;SY)(A;;FA;;;BA)",
                                        "AllowWildcardBinds": true
                                    }
                                }
                            }
                        },
                        "Plan9": {
                            "Shares": [
                                { "Name": "rootfs", "AccessName": "rootfs", "Path": "C:\\ProgramData\\flotilla\\containers\\c0ffee\\rootfs", "Port": 564, "Flags": 4 },
                                { "Name": "vol0", "AccessName": "vol0", "Path": "C:\\data", "Port": 564, "Flags": 5 }
                            ]
                        }
                    }
                },
                "ShouldTerminateOnLastHandleClosed": true
            }
            """);

        var actual = JsonNode.Parse(HcsJson.Serialize(UtilityVmDocument.Create(Request)));

        Assert.True(JsonNode.DeepEquals(expected, actual), actual!.ToJsonString());
    }

    [Fact]
    public void Vsock_port_maps_to_go_winios_service_id()
    {
        // go-winio's VsockServiceID(port): the template 00000000-facb-11e6-bd58-64006a7986d3 with Data1 = port.
        Assert.Equal(Guid.Parse("00000400-facb-11e6-bd58-64006a7986d3"), HvSocketEndPoint.VsockServiceId(1024));
        Assert.Equal(Guid.Parse("40000000-facb-11e6-bd58-64006a7986d3"), HvSocketEndPoint.VsockServiceId(0x40000000));
    }

    [Fact]
    public void Hvsocket_address_has_sockaddr_hv_layout_and_round_trips()
    {
        var vm = Guid.Parse("a42e7cda-d03f-480c-9cc2-a4de20abb878");
        var endpoint = new HvSocketEndPoint(vm, HvSocketEndPoint.VsockServiceId(1024));

        var address = endpoint.ToBytes();

        Assert.Equal(36, address.Length);
        Assert.Equal([34, 0, 0, 0], address[..4]); // AF_HYPERV (little-endian), reserved
        Assert.Equal([0xda, 0x7c, 0x2e, 0xa4, 0x3f, 0xd0, 0x0c, 0x48], address[4..12]); // GUIDs in Windows' memory layout
        Assert.Equal([0x00, 0x04, 0x00, 0x00, 0xcb, 0xfa, 0xe6, 0x11, 0xbd, 0x58], address[20..30]);
        var back = HvSocketEndPoint.FromBytes(address);
        Assert.Equal(vm, back.VmId);
        Assert.Equal(endpoint.ServiceId, back.ServiceId);
    }

    [Fact]
    public void On_linux_the_hyperv_host_says_what_it_needs()
    {
        Assert.Equal("needs Windows 10 1809+/Server 2019 with the Hyper-V feature", new HyperVHost().UnsupportedReason);
    }
}
