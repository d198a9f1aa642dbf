using System.Text;
using FrontDoor.Core.Sessions;
using Xunit;

namespace FrontDoor.Core.Tests.Sessions;

/// <summary>The relayed command's tag and name: held in the object up to 32 octets, in an array of their own beyond.</summary>
public class ClientCommandStateTests
{
    [Theory]
    [InlineData("a1", "NOOP")]
    [InlineData("0123456789012345678901234567890", "UID")]
    [InlineData("01234567890123456789012345678901", "X-EXACTLY-THIRTY-TWO-OCTETS-LONG")]
    [InlineData("0123456789012345678901234567890123456789", "X-A-NAME-LONGER-THAN-THIRTY-TWO-OCTETS")]
    public void Tag_and_name_read_back_as_stored_whatever_their_length_and_whatever_came_before(string tag, string name)
    {
        var state = new ClientCommandState();
        state.Start("9999999999999999999999999999999999999999999"u8, "A-LONG-COMMAND-NAME-BEFORE-THIS-ONE"u8);
        state.Discarding = true;

        state.Start(Encoding.ASCII.GetBytes(tag), Encoding.ASCII.GetBytes(name));

        Assert.Equal(tag, Encoding.ASCII.GetString(state.Tag));
        Assert.Equal(name, Encoding.ASCII.GetString(state.Name));
        Assert.False(state.Discarding);

        state.Start("b2"u8, "IDLE"u8);
        Assert.Equal("b2", Encoding.ASCII.GetString(state.Tag));
        Assert.Equal("IDLE", Encoding.ASCII.GetString(state.Name));
    }
}
