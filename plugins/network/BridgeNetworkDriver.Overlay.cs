using Flotilla.Plugins;
using Microsoft.Extensions.Logging;

namespace Flotilla.Network;

/// <summary>
/// The overlay half: the swarm's networks on this node, each a bridge with a VXLAN port that floods to the other
/// nodes on it (the kernel learns which MAC is behind which peer), and the services' load balancing.
/// </summary>
public sealed partial class BridgeNetworkDriver
{
    public async Task ApplyOverlayPlanAsync(OverlayPlan plan, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            _state.Plan = plan;
            foreach (var wanted in plan.Networks)
            {
                var record = _state.Networks.Find(n => n.Id == wanted.Id);
                if (record is null)
                {
                    if (_state.Networks.Find(n => n.Name == wanted.Name || Ipv4Subnet.Parse(n.Subnet, "subnet").Overlaps(Ipv4Subnet.Parse(wanted.Subnet, "subnet"))) is { } clash)
                    {
                        _logger.LogError("Overlay network {Network} ({Subnet}) cannot be set up on this node: it clashes with local network {Local} ({LocalSubnet})",
                            wanted.Name, wanted.Subnet, clash.Name, clash.Subnet);
                        continue;
                    }

                    record = new NetworkRecord
                    {
                        Id = wanted.Id,
                        Name = wanted.Name,
                        Driver = OverlayDriver,
                        Subnet = wanted.Subnet,
                        Gateway = wanted.Gateway,
                        Vni = wanted.Vni,
                        Index = Enumerable.Range(0, 1000).First(i => _state.Networks.All(n => n.Index != i)),
                        CreatedAt = wanted.CreatedAt,
                        Labels = wanted.Labels.ToDictionary(),
                    };
                    _state.Networks.Add(record);
                    _logger.LogInformation("Joining overlay network {Network} ({Subnet}, VNI {Vni}) as {Address}", wanted.Name, wanted.Subnet, wanted.Vni, wanted.NodeAddress);
                }

                record.NodeAddress = wanted.NodeAddress;
                BridgeUp(record);
                var vxlan = _names.Vxlan(record.Index);
                foreach (var gone in record.Peers.Except(wanted.Peers).ToList())
                {
                    Kernel.FloodTo(vxlan, gone, add: false);
                    record.Peers.Remove(gone);
                }

                foreach (var added in wanted.Peers.Except(record.Peers).ToList())
                {
                    Kernel.FloodTo(vxlan, added, add: true);
                    record.Peers.Add(added);
                }
            }

            LeaveUnplannedOverlays();
            await ApplyRulesAsync(ct);
            Save();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Overlay networks the plan no longer names go once no container here uses them.</summary>
    private void LeaveUnplannedOverlays()
    {
        foreach (var left in _state.Networks.Where(n => n.Driver == OverlayDriver && _state.Plan.Networks.All(w => w.Id != n.Id) && !Endpoints(n).Any()).ToList())
        {
            _logger.LogInformation("Leaving overlay network {Network}", left.Name);
            _state.Networks.Remove(left);
            BridgeDown(left);
        }
    }
}
