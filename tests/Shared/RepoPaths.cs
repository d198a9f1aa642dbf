namespace FrontDoor.Testing;

/// <summary>Where the repository and the built plugins are, found from the test's own folder.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The host's plugin folder, as a plain build of the solution lays it out.</summary>
    public static string PluginDirectory
    {
        get
        {
#if DEBUG
            const string configuration = "Debug";
#else
            const string configuration = "Release";
#endif
            return Path.Combine(Root, "src", "FrontDoor", "bin", configuration, "net10.0", "plugins");
        }
    }

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "FrontDoor.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("FrontDoor.sln not found above " + AppContext.BaseDirectory);
    }
}
