namespace FrontDoor.Core.Sessions;

/// <summary>
/// A plugin's hook threw or broke the rules of its contract. It ends only the session it happened in, with
/// <c>* BYE [UNAVAILABLE]</c>, and the log names the plugin (its assembly) and the hook.
/// </summary>
internal sealed class HookFailureException : Exception
{
    public HookFailureException(object hook, string reason, Exception? inner = null)
        : base(reason, inner)
    {
        Plugin = hook.GetType().Assembly.GetName().Name ?? hook.GetType().FullName ?? "unknown";
        Hook = hook.GetType().Name;
    }

    public HookFailureException() { }

    public HookFailureException(string message) : base(message) { }

    public HookFailureException(string message, Exception innerException) : base(message, innerException) { }

    public string Plugin { get; } = "unknown";

    public string Hook { get; } = "unknown";
}
