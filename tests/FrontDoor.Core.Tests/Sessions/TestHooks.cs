using FrontDoor.Core.Hooks;

namespace FrontDoor.Core.Tests.Sessions;

/// <summary>A command rewriter made of a lambda, registered by a test; its failures name the assembly FrontDoor.Core.Tests.</summary>
internal sealed class CommandHook(Func<CommandLine, SessionContext, CommandDecision> inspect) : ICommandRewriter
{
    public CommandDecision Inspect(CommandLine line, SessionContext session) => inspect(line, session);
}

/// <summary>A response rewriter made of a lambda, registered by a test.</summary>
internal sealed class ResponseHook(Func<ResponseLine, SessionContext, ResponseDecision> inspect) : IResponseRewriter
{
    public ResponseDecision Inspect(ResponseLine line, SessionContext session) => inspect(line, session);
}

/// <summary>A capability filter made of a lambda, registered by a test.</summary>
internal sealed class CapabilityHook(Action<CapabilitySet, CapabilityContext> filter) : ICapabilityFilter
{
    public void Filter(CapabilitySet capabilities, CapabilityContext context) => filter(capabilities, context);
}
