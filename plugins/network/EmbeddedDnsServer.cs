using System.Net;
using ARSoft.Tools.Net.Dns;
using Microsoft.Extensions.Logging;

namespace Flotilla.Network;

/// <summary>
/// The DNS server of one user-defined network, as docker's embedded one: it answers the names of the containers on
/// that network (their name, aliases and short id) with their address on it, and forwards every other name to the host's
/// resolvers — or answers NXDOMAIN when there are none. It listens on the network's gateway, port 53 (UDP), so it is
/// reached only from that network's bridge: a container on another network cannot resolve these names.
/// </summary>
internal sealed class EmbeddedDnsServer : IDisposable
{
    private const int Ttl = 600; // what docker gives container names

    private readonly DnsServer _server;
    private readonly Func<string, IReadOnlyList<IPAddress>?> _lookup;
    private readonly DnsClient? _upstream;
    private readonly ILogger _logger;

    /// <param name="lookup">The addresses of a (lower-case, dot-less) name on this network, or null when it has none.</param>
    /// <param name="upstream">Where other names are forwarded; null answers them NXDOMAIN.</param>
    public EmbeddedDnsServer(IPAddress address, Func<string, IReadOnlyList<IPAddress>?> lookup, DnsClient? upstream, ILogger logger)
    {
        _lookup = lookup;
        _upstream = upstream;
        _logger = logger;
        _server = new DnsServer(new UdpServerTransport(new IPEndPoint(address, 53), 5000));
        _server.QueryReceived += OnQueryAsync;
        _server.ExceptionThrown += (_, e) =>
        {
            _logger.LogWarning(e.Exception, "Embedded DNS server on {Address} failed to answer a query", address);
            return Task.CompletedTask;
        };
        _server.Start();
    }

    public void Dispose() => _server.Stop();

    private async Task OnQueryAsync(object sender, QueryReceivedEventArgs e)
    {
        if (e.Query is not DnsMessage query)
        {
            return;
        }

        var response = query.CreateResponseInstance();
        response.IsRecursionAllowed = _upstream is not null;
        if (query.Questions.Count != 1)
        {
            response.ReturnCode = ReturnCode.FormatError;
            e.Response = response;
            return;
        }

        var question = query.Questions[0];
        if (_lookup(question.Name.ToString().TrimEnd('.').ToLowerInvariant()) is { } addresses)
        {
            response.IsAuthoritiveAnswer = true;
            response.ReturnCode = ReturnCode.NoError; // no record of another type (AAAA) is "no data", not NXDOMAIN
            if (question.RecordType is RecordType.A or RecordType.Any && question.RecordClass is RecordClass.INet or RecordClass.Any)
            {
                response.AnswerRecords.AddRange(addresses.Select(a => new ARecord(question.Name, Ttl, a)));
            }
        }
        else if (_upstream is null)
        {
            response.ReturnCode = ReturnCode.NxDomain;
        }
        else
        {
            var answer = await _upstream.ResolveAsync(question.Name, question.RecordType, question.RecordClass);
            if (answer is null)
            {
                response.ReturnCode = ReturnCode.ServerFailure;
            }
            else
            {
                response.ReturnCode = answer.ReturnCode;
                response.AnswerRecords.AddRange(answer.AnswerRecords);
                response.AuthorityRecords.AddRange(answer.AuthorityRecords);
            }
        }

        e.Response = response;
    }
}
