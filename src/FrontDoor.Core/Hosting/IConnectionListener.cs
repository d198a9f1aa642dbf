using System.Net;
using FrontDoor.Core.Protocol;

namespace FrontDoor.Core.Hosting;

/// <summary>One listener's accepted connections. Disposing it stops accepting: a pending and every later <see cref="AcceptAsync"/> returns null.</summary>
internal interface IConnectionListener : IDisposable
{
    /// <summary>The address it listens on (port 0 in the config becomes the real port).</summary>
    IPEndPoint EndPoint { get; }

    /// <summary>The next accepted connection; null once the listener is stopped. A failure of one accept is skipped.</summary>
    ValueTask<ImapConnection?> AcceptAsync();
}
