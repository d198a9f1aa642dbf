using System.Text;

namespace FrontDoor.Core.Protocol;

internal enum ArgumentKind
{
    Atom,
    String,
    Nil,
    ListStart,
    ListEnd,
}

/// <summary>One argument of a command FrontDoor answers itself (before login): small, so kept as bytes.</summary>
internal readonly record struct ImapArgument(ArgumentKind Kind, byte[] Value)
{
    public bool IsString => Kind is ArgumentKind.Atom or ArgumentKind.String;

    public string Text => Encoding.UTF8.GetString(Value);
}
