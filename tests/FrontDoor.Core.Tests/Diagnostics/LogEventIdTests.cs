using System.Reflection;
using FrontDoor.Core.Hooks;
using Microsoft.Extensions.Logging;
using Xunit;

namespace FrontDoor.Core.Tests.Diagnostics;

/// <summary>Log events have stable ids that operators filter on, so no two events may share one.</summary>
public class LogEventIdTests
{
    [Fact]
    public void Every_log_event_of_core_has_its_own_id()
    {
        var events = typeof(IFrontDoorPlugin).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(m => (Method: $"{m.DeclaringType!.Name}.{m.Name}", Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(e => e.Attribute is not null)
            .ToList();
        Assert.NotEmpty(events);

        var shared = events.GroupBy(e => e.Attribute!.EventId).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(e => e.Method))}");
        Assert.Empty(shared);
    }
}
