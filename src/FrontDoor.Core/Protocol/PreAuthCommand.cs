namespace FrontDoor.Core.Protocol;

/// <summary>A whole command read before login, with its literals in place.</summary>
internal sealed class PreAuthCommand
{
    public PreAuthCommand(string tag, string name, IReadOnlyList<ImapArgument> arguments)
    {
        Tag = tag;
        Name = name;
        Arguments = arguments;
    }

    public string Tag { get; }

    /// <summary>Upper case, e.g. LOGIN.</summary>
    public string Name { get; }

    public IReadOnlyList<ImapArgument> Arguments { get; }
}
