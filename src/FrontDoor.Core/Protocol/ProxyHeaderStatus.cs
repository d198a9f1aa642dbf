namespace FrontDoor.Core.Protocol;

/// <summary>What <see cref="ProxyProtocolHeader.TryParse"/> made of the octets it was given.</summary>
internal enum ProxyHeaderStatus
{
    Complete,
    Incomplete,
    Invalid,

    /// <summary>Not the parser's: the peer closed before its header was all there.</summary>
    Closed,
}
