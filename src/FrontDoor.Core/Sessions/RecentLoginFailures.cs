using System.Net;

namespace FrontDoor.Core.Sessions;

/// <summary>
/// The last <see cref="Capacity"/> refused logins (address, login name cut to <see cref="MaxUserLength"/>
/// characters, when), for the operator's status page. Never a password: only what the session already
/// logs. Written once per refused login, which is already slowed by the failure delay, so a small lock
/// costs nothing that matters; the relay never comes here.
/// </summary>
internal sealed class RecentLoginFailures
{
    public const int Capacity = 200;
    public const int MaxUserLength = 64;

    private readonly LoginFailure[] _ring = new LoginFailure[Capacity];
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private int _next;
    private int _count;

    public RecentLoginFailures(TimeProvider time) => _time = time;

    public void Add(IPAddress? address, string user, string reason)
    {
        var entry = new LoginFailure(_time.GetUtcNow(), address?.ToString() ?? "unknown", Cut(user), reason.Length > 200 ? string.Concat(reason.AsSpan(0, 200), "…") : reason);
        lock (_gate)
        {
            _ring[_next] = entry;
            _next = (_next + 1) % Capacity;
            _count = Math.Min(_count + 1, Capacity);
        }
    }

    /// <summary>Newest first.</summary>
    public IReadOnlyList<LoginFailure> Snapshot()
    {
        lock (_gate)
        {
            var result = new LoginFailure[_count];
            for (var i = 0; i < _count; i++)
            {
                result[i] = _ring[(_next - 1 - i + Capacity) % Capacity];
            }

            return result;
        }
    }

    /// <summary>A login name as the operator may see it: at most <see cref="MaxUserLength"/> characters, then "…".</summary>
    public static string Cut(string user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.Length <= MaxUserLength)
        {
            return user;
        }

        // Never split a surrogate pair.
        var length = char.IsHighSurrogate(user[MaxUserLength - 1]) ? MaxUserLength - 1 : MaxUserLength;
        return string.Concat(user.AsSpan(0, length), "…");
    }
}

/// <summary>One refused login as the status page shows it.</summary>
internal sealed record LoginFailure(DateTimeOffset At, string Address, string User, string Reason);
