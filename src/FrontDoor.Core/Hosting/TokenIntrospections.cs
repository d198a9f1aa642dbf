using FrontDoor.Core.Backends;

namespace FrontDoor.Core.Hosting;

/// <summary>One <see cref="TokenIntrospection"/> (its HTTP client and cache) per listener that has oauthIntrospection.</summary>
internal sealed class TokenIntrospections : IDisposable
{
    private readonly Dictionary<string, TokenIntrospection> _byListener = new(StringComparer.OrdinalIgnoreCase);

    public TokenIntrospections(FrontDoorOptions options, TimeProvider time)
    {
        foreach (var listener in options.Listeners)
        {
            if (listener.OAuthIntrospection is { } introspection)
            {
                _byListener[listener.Name] = new TokenIntrospection(introspection, time);
            }
        }
    }

    public TokenIntrospection? For(string listener) => _byListener.GetValueOrDefault(listener);

    public void Dispose()
    {
        foreach (var introspection in _byListener.Values)
        {
            introspection.Dispose();
        }
    }
}
