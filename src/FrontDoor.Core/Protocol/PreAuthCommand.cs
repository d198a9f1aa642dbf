namespace FrontDoor.Core.Protocol;

/// <summary>
/// A whole command read before login, with its literals in place. The reader's own, one per reader and
/// filled again for each command (a command and its argument array were garbage at every login,
/// bench/README.md): valid until the reader's next read, and emptied when the reader is given back.
/// </summary>
internal sealed class PreAuthCommand
{
    public PreAuthCommand(IReadOnlyList<ImapArgument> arguments)
    {
        Arguments = arguments;
    }

    public string Tag { get; private set; } = "*";

    /// <summary>Upper case, e.g. LOGIN.</summary>
    public string Name { get; private set; } = string.Empty;

    /// <summary>The reader's list, emptied at its next read.</summary>
    public IReadOnlyList<ImapArgument> Arguments { get; }

    internal void Set(string tag, string name)
    {
        Tag = tag;
        Name = name;
    }
}
