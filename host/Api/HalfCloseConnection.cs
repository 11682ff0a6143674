using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Flotilla.Host.Api;

/// <summary>
/// Lets a hijacked connection outlive the client's half-close. Kestrel takes a FIN from the client for the end of
/// the connection and aborts the response, but docker's attach and exec rely on TCP half-close: when the client's
/// stdin ends it closes its write side and keeps reading the container's output until the container exits. This
/// connection middleware hands Kestrel a connection whose "closed" signal a hijack with stdin can switch off
/// (<see cref="IHalfCloseFeature"/>): from then on a FIN only ends the input; a client that really went away shows
/// as a failed write, and the connection ends when the handler returns.
/// </summary>
public static class HalfCloseConnection
{
    public interface IHalfCloseFeature
    {
        /// <summary>From now on a FIN from the client ends the request's input only.</summary>
        void Allow();
    }

    public static ConnectionDelegate Middleware(ConnectionDelegate next) => async connection =>
    {
        await using var wrapped = new Connection(connection);
        await next(wrapped);
    };

    private sealed class Connection : ConnectionContext, IHalfCloseFeature
    {
        private readonly ConnectionContext _inner;
        private readonly CancellationTokenSource _closed = new();
        private readonly CancellationTokenRegistration _registration;
        private volatile bool _halfCloseAllowed;

        public Connection(ConnectionContext inner)
        {
            _inner = inner;
            inner.Features.Set<IHalfCloseFeature>(this);
            _registration = inner.ConnectionClosed.Register(() =>
            {
                if (!_halfCloseAllowed)
                {
                    _closed.Cancel();
                }
            });
        }

        public void Allow() => _halfCloseAllowed = true;

        public override string ConnectionId { get => _inner.ConnectionId; set => _inner.ConnectionId = value; }

        public override IFeatureCollection Features => _inner.Features;

        public override IDictionary<object, object?> Items { get => _inner.Items; set => _inner.Items = value; }

        public override IDuplexPipe Transport { get => _inner.Transport; set => _inner.Transport = value; }

        public override CancellationToken ConnectionClosed { get => _closed.Token; set => throw new NotSupportedException(); }

        public override System.Net.EndPoint? LocalEndPoint { get => _inner.LocalEndPoint; set => _inner.LocalEndPoint = value; }

        public override System.Net.EndPoint? RemoteEndPoint { get => _inner.RemoteEndPoint; set => _inner.RemoteEndPoint = value; }

        public override void Abort(ConnectionAbortedException abortReason) => _inner.Abort(abortReason);

        public override async ValueTask DisposeAsync()
        {
            await _registration.DisposeAsync();
            _closed.Dispose();
        }
    }
}
