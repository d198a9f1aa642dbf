using System.Reflection;
using FrontDoor.Core.Hooks;
using FrontDoor.Testing;
using NetArchTest.Rules;
using Xunit;

namespace FrontDoor.Core.Tests.Architecture;

/// <summary>
/// Core's folders form layers, each using only those below it: Hooks, Protocol, Diagnostics, Backends,
/// Sessions, Hosting (docs/ARCHITECTURE.md). Plugins see only the Hooks contract. A dependency that breaks
/// either rule fails the build's tests, naming the types that break it.
/// </summary>
public class LayeringTests
{
    private static readonly string[] Layers =
    [
        "FrontDoor.Core.Hooks",
        "FrontDoor.Core.Protocol",
        "FrontDoor.Core.Diagnostics",
        "FrontDoor.Core.Backends",
        "FrontDoor.Core.Sessions",
        "FrontDoor.Core.Hosting",
    ];

    public static TheoryData<int> LayerIndexes => [.. Enumerable.Range(0, Layers.Length)];

    [Theory]
    [MemberData(nameof(LayerIndexes))]
    public void A_core_folder_uses_no_folder_above_it(int layer)
    {
        var above = Layers[(layer + 1)..];
        if (above.Length == 0)
        {
            return;
        }

        var result = Types.InAssembly(typeof(BackendTarget).Assembly)
            .That().ResideInNamespace(Layers[layer])
            .ShouldNot().HaveDependencyOnAny(above)
            .GetResult();
        Assert.True(result.IsSuccessful, $"{Layers[layer]} uses a layer above it: {Failing(result)}");
    }

    /// <summary>The plugins as the host loads them, from its plugin folder: plugins/&lt;Name&gt;/&lt;Name&gt;.dll.</summary>
    [Theory]
    [InlineData("BackendRouting")]
    [InlineData("LiteralPlusCompat")]
    public void A_plugin_uses_only_the_public_contract(string plugin)
    {
        var assembly = Assembly.LoadFrom(Path.Combine(RepoPaths.PluginDirectory, plugin, plugin + ".dll"));
        var result = Types.InAssembly(assembly)
            .ShouldNot().HaveDependencyOnAny([.. Layers.Skip(1)])
            .GetResult();
        Assert.True(result.IsSuccessful, $"{plugin} uses Core internals: {Failing(result)}");
    }

    /// <summary>The rule above is not empty: the tool does see Hosting's use of Sessions.</summary>
    [Fact]
    public void The_check_sees_dependencies_that_exist()
    {
        var result = Types.InAssembly(typeof(BackendTarget).Assembly)
            .That().ResideInNamespace("FrontDoor.Core.Hosting")
            .ShouldNot().HaveDependencyOnAny("FrontDoor.Core.Sessions")
            .GetResult();
        Assert.False(result.IsSuccessful);
    }

    private static string Failing(TestResult result) =>
        string.Join(", ", result.FailingTypes?.Select(t => t.FullName) ?? []);
}
