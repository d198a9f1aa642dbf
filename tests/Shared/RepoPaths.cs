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

    /// <summary>Where a plain build puts a sample plugin: samples/&lt;Name&gt;/bin/&lt;Configuration&gt;/net10.0.</summary>
    public static string SampleOutput(string name)
    {
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        return Path.Combine(Root, "samples", name, "bin", configuration, "net10.0");
    }

    /// <summary>Copies the files of <paramref name="from"/> (not its subfolders) into <paramref name="to"/>, as an operator deploys a plugin.</summary>
    public static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
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
