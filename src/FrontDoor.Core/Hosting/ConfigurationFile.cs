namespace FrontDoor.Core.Hosting;

/// <summary>The config file the host was started with (for the admin endpoint's status).</summary>
internal sealed record ConfigurationFile(string Path);
