namespace FrontDoor.Core.Sessions;

/// <summary>The delay before answering the n-th failed login in a row: authFailureDelay, doubled per failure, up to maxAuthFailureDelay.</summary>
internal static class FailureDelay
{
    public static TimeSpan For(long failures, SessionLimits limits)
    {
        var factor = Math.Pow(2, Math.Clamp(failures - 1, 0, 20));
        return TimeSpan.FromTicks((long)Math.Min(limits.AuthFailureDelay.Ticks * factor, limits.MaxAuthFailureDelay.Ticks));
    }
}
