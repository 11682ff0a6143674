using System.Text;

namespace Flotilla.Hypervisor.Vm.Guest;

/// <summary>The "newc" cpio format the kernel's initramfs unpacker reads (Documentation/driver-api/early-userspace).</summary>
internal sealed class CpioWriter
{
    private readonly MemoryStream _out = new();
    private int _inode = 1;

    public void Directory(string name) => Entry(name, 0x41ED /* dir 0755 */, nlink: 2, []);

    public void File(string name, byte[] data) => Entry(name, 0x81A4 /* file 0644 */, nlink: 1, data);

    public byte[] Finish()
    {
        Entry("TRAILER!!!", 0, nlink: 1, [], inode: 0);
        return _out.ToArray();
    }

    private void Entry(string name, int mode, int nlink, byte[] data, int? inode = null)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name + "\0");
        var fields = new[] { inode ?? _inode++, mode, 0, 0, nlink, 0, data.Length, 0, 0, 0, 0, nameBytes.Length, 0 };
        Write(Encoding.ASCII.GetBytes("070701" + string.Concat(fields.Select(f => f.ToString("X8")))));
        Write(nameBytes);
        Pad();
        Write(data);
        Pad();
    }

    private void Write(byte[] bytes) => _out.Write(bytes);

    private void Pad()
    {
        while (_out.Length % 4 != 0)
        {
            _out.WriteByte(0);
        }
    }
}
