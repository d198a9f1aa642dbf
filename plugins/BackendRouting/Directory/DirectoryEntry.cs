namespace FrontDoor.Plugins.BackendRouting.Directory;

/// <summary>One entry a search returned: its DN, the routing attribute's values and when it last changed.</summary>
/// <param name="Dn">The entry's distinguished name.</param>
/// <param name="Values">The routing attribute's values (normally one).</param>
/// <param name="ModifyTimestamp">The entry's changedAttribute (modifyTimestamp, or AD's whenChanged) as the directory wrote it, or null.</param>
internal sealed record DirectoryEntry(string Dn, IReadOnlyList<string> Values, string? ModifyTimestamp);

/// <summary>A directory that can be searched under the rule's base. Thread-safe.</summary>
internal interface IDirectorySearch : IAsyncDisposable, IDisposable
{
    /// <summary>
    /// The entries under the base matching <paramref name="filter"/> (already escaped), at most <paramref name="sizeLimit"/> of them. Throws
    /// <see cref="DirectoryUnavailableException"/> when no server answered in time.
    /// </summary>
    Task<IReadOnlyList<DirectoryEntry>> SearchAsync(string filter, int sizeLimit, CancellationToken cancellationToken);
}

/// <summary>No directory server answered (down, refused the bind, or too slow).</summary>
internal sealed class DirectoryUnavailableException : Exception
{
    public DirectoryUnavailableException(string message, Exception? inner = null) : base(message, inner) { }
}
