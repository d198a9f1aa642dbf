namespace FrontDoor.Core.Hooks;

/// <summary>
/// A configuration error. Its message is the one line an operator sees when start-up stops, so it names
/// the element and the offending value.
/// </summary>
public sealed class FrontDoorConfigurationException : Exception
{
    public FrontDoorConfigurationException(string message) : base(message) { }

    public FrontDoorConfigurationException(string message, Exception innerException) : base(message, innerException) { }

    public FrontDoorConfigurationException() { }
}
